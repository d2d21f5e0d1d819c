#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GET /openapi.json describes every route of the admin API: the routes are read from the route
table in src/api/routes.c (the source of truth), so a route added without documentation fails
here."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROUTES_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "api", "routes.c")


def routed():
    """(method, path) of every entry of the route table, macros expanded, {id*} -> {id}."""
    text = open(ROUTES_C, encoding="utf-8").read()
    macros = dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))
    out = []
    for method, prefix, path in re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)",\s*(?:(\w+)\s+)?"([^"]*)"', text):
        full = macros.get(prefix, "") + path if prefix else path
        out.append((method.lower(), re.sub(r"\{(\w+)\*\}", r"{\1}", full)))
    return out


class OpenApi(harness.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice()

    def test_every_route_is_documented(self):
        routes = routed()
        self.assertGreater(len(routes), 30, "the route table parse found too few routes: %r" % routes)
        r = self.s.admin("GET", "/openapi.json")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertTrue(doc["openapi"].startswith("3."), doc.get("openapi"))
        paths = doc["paths"]
        missing = [(m, p) for m, p in routes if p not in paths or m not in paths[p]]
        self.assertEqual(missing, [], "routes missing from /openapi.json")
        undocumented = [(m, p) for m, p in routes if paths[p][m]["summary"] == p.split("{")[0] or
                        paths[p][m]["summary"].startswith("/")]
        self.assertEqual(undocumented, [], "routes with no summary of their own")
        extra = [(m, p) for p, item in paths.items() for m in item if (m, p) not in routes]
        self.assertEqual(extra, [], "documented paths that are not routed")

    def test_path_parameters_and_problem_shape(self):
        doc = self.s.admin_json("/openapi.json")
        op = doc["paths"]["/data/foundation/flowservice/flows/{id}"]["patch"]
        self.assertEqual([p["name"] for p in op["parameters"]], ["id"])
        self.assertIn("requestBody", op)
        problem = doc["components"]["schemas"]["Problem"]
        self.assertEqual(sorted(problem["required"]), ["detail", "status", "title", "type"])
        self.assertIn("default", op["responses"])


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
