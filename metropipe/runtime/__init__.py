"""The Python side of a channel at run time (spec/wire.md section 6).

``shm`` is standard-library only and never imports the generator: ``metropipe
proxy``/``connect`` use it directly, and the generator inlines its text into every
generated Python stub and provider, so all of them share one implementation.
"""
