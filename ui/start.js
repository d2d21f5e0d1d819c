// SPDX-License-Identifier: Apache-2.0
// ui/start.js: loaded last, once every page has registered its routes.
"use strict";
Sluice.start();
