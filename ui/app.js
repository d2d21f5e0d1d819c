"use strict";
document.getElementById("app").textContent = "sluice";
