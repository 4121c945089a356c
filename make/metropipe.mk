# metropipe.mk -- keep a project's metropipe stubs and c-linker libraries fresh from GNU make.
#
#     include $(shell metropipe --make-include)
#     app: main.c metropipe/classify/stub.h       # depend on the generated files you use
#
# Before any goal, make runs `metropipe build` when, and only when, an input changed (the
# manifest, a source, a file a parser read, metropipe's own code and templates) or an
# output is missing or was edited; `make -q` says up to date after a build. metropipe
# rewrites only the files whose content changes, so what depends on them rebuilds only
# then. How: `metropipe build --depfile F --stamp F` writes F, a makefile that lists
# every input and output as prerequisites of F itself, and F is included below: make
# remakes an included makefile first, then re-reads everything.
#
# `include`, not `-include`: GNU make ignores a failed remake of a `-include`d file, which
# would hide a failed `metropipe build` behind stale stubs.
#
# Variables (set them before the include, or on the command line):
#   METROPIPE                 the command (default: metropipe)
#   METROPIPE_MANIFEST        the manifest (default: metropipe.toml)
#   METROPIPE_FLAGS           more `metropipe build` options, for example --jobs 4 or -v
#   METROPIPE_DEPFILE         the depfile and stamp (default: .metropipe/make.d beside the manifest)
#   METROPIPE_NO_BUILD_GOALS  goals that must not build first (default: clean distclean metropipe-clean)
# Targets: metropipe (build), metropipe-check, metropipe-clean.

METROPIPE ?= metropipe
METROPIPE_MANIFEST ?= metropipe.toml
METROPIPE_FLAGS ?=
METROPIPE_DEPFILE ?= $(dir $(METROPIPE_MANIFEST)).metropipe/make.d
METROPIPE_NO_BUILD_GOALS ?= clean distclean metropipe-clean

# including this file does not change the including Makefile's default goal
_metropipe_default_goal := $(.DEFAULT_GOAL)

.PHONY: metropipe metropipe-check metropipe-clean

metropipe: $(METROPIPE_DEPFILE)

$(METROPIPE_DEPFILE): $(METROPIPE_MANIFEST)
	$(METROPIPE) build --manifest $(METROPIPE_MANIFEST) --depfile $@ --stamp $@ $(METROPIPE_FLAGS)

metropipe-check:
	$(METROPIPE) check --manifest $(METROPIPE_MANIFEST)

metropipe-clean:
	$(METROPIPE) clean --manifest $(METROPIPE_MANIFEST)
	rm -f $(METROPIPE_DEPFILE)

ifeq ($(filter $(METROPIPE_NO_BUILD_GOALS),$(MAKECMDGOALS)),)
include $(METROPIPE_DEPFILE)
endif

.DEFAULT_GOAL := $(_metropipe_default_goal)
