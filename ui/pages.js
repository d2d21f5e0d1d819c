// SPDX-License-Identifier: Apache-2.0
// ui/pages.js: dataflows, dataflow activity, datasets, profiles, alerts, live tail.
"use strict";
