"""metropipe's setuptools example: area exported as a Python stub and a C library."""
