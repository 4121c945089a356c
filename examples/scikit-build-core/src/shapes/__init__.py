"""metropipe's scikit-build-core example: ``area`` exported as a Python stub and a C library."""
