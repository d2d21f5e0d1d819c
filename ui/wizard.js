// SPDX-License-Identifier: Apache-2.0
// ui/wizard.js: the sources catalog and the Customer.io dataflow wizard.
"use strict";
