# metropipeConfig.cmake -- generate metropipe stubs and c-linker libraries inside a CMake build.
#
# Synopsis
#
#   find_package(metropipe CONFIG REQUIRED)
#   add_metropipe_stub(<function> SOURCE <file> TARGETS <target>...
#                      [OUTPUT_DIR <dir>] [CHANNEL <name>] [LIBRARY <cmake-target-name>])
#   metropipe_add_manifest(<metropipe.toml>)
#
# Finding this package: scikit-build-core finds it with no hint (the `cmake.root` entry point
# of the metropipe wheel); a plain CMake build passes -Dmetropipe_ROOT="$(metropipe --cmake-dir)".
#
# add_metropipe_stub(<function> ...)
#   Generates <function>'s stubs as `metropipe export` would. The calls of one directory are
#   gathered into a generated manifest (<binary dir>/metropipe/stubs.toml) and, at the end of the
#   directory (cmake_language(DEFER)), one `metropipe outputs --read-sources` lists every stub's
#   files, reading each signature (so a missing function fails the configure step), and one
#   add_custom_command runs `metropipe build` on it with a DEPFILE: the sources, the files their
#   parsers read and metropipe's own code are inputs, so editing a signature or upgrading
#   metropipe regenerates, and metropipe rewrites only files whose content changes (a body-only
#   edit recompiles nothing). A custom target `metropipe_<function>` (built by `all`) exists as
#   soon as the call returns; depend on it to order other targets after the generation.
#
#   SOURCE <file>        Required. The file defining <function> (relative to the current
#                        source directory).
#   TARGETS <target>...  Required. metropipe targets, as `metropipe export --target` takes them
#                        (c, python, c-linker, ...).
#   OUTPUT_DIR <dir>     Where the files go (`--out`); default: the current binary directory.
#                        Files land in <dir>/metropipe/<function>/.
#   CHANNEL <name>       The channel name (default: the function's name).
#   LIBRARY <name>       With `c-linker`: the name of the SHARED library target (default:
#                        <function>). Link it with target_link_libraries(); its include
#                        directory (the folder of <function>.h) comes with it. From a Python
#                        source CMake builds it from the generated <function>.c/.h, embedding
#                        CPython (find_package(Python COMPONENTS Development.Embed)); from a C,
#                        Rust or Go source the generated Makefile builds it (GNU make, with
#                        CC=${CMAKE_C_COMPILER}; rustc or go as the source needs) and the target
#                        is an IMPORTED library; editing the source rebuilds it (with Ninja,
#                        editing any file of the Rust crate or Go package too: the Makefile's
#                        lib<fn>.so.d is the command's DEPFILE).
#
# metropipe_add_manifest(<metropipe.toml>)
#   Every export of a manifest: one add_custom_command running `metropipe build --depfile
#   --no-libraries`, its OUTPUT files from `metropipe outputs --json`, driven by the custom
#   target `metropipe_manifest` (`metropipe_manifest_<n>` for a later manifest). Each c-linker
#   library lib<name>.so of the manifest, in any mode, gets a SHARED library target <name>
#   (the function's name, or `metropipe` for --unify), built as above.
#
# Variables
#   METROPIPE_MAKE        GNU make, for c-linker libraries of C, Rust and Go sources (found on PATH).
#   METROPIPE_EXECUTABLE  The generator command, a list (default: ${Python_EXECUTABLE};-m;metropipe).
#                         Set it to a native metropipe when cross-compiling.
#   METROPIPE_VERSION     Set by this file: the generator's version (an input of every command).

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.20)

if(NOT DEFINED METROPIPE_EXECUTABLE)
  if(NOT Python_EXECUTABLE)
    find_package(Python 3.10 COMPONENTS Interpreter QUIET)
  endif()
  if(NOT Python_EXECUTABLE)
    message(FATAL_ERROR "find_package(metropipe): no Python interpreter found to run metropipe: set "
                        "Python_EXECUTABLE, or METROPIPE_EXECUTABLE to the metropipe command")
  endif()
  set(METROPIPE_EXECUTABLE "${Python_EXECUTABLE};-m;metropipe" CACHE STRING
      "the metropipe generator command (a list), for example a native one when cross-compiling")
endif()

execute_process(COMMAND ${METROPIPE_EXECUTABLE} --version
                OUTPUT_VARIABLE _metropipe_version_text ERROR_VARIABLE _metropipe_error
                RESULT_VARIABLE _metropipe_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _metropipe_rc EQUAL 0)
  message(FATAL_ERROR "find_package(metropipe): cannot run the generator '${METROPIPE_EXECUTABLE}' "
                      "(${_metropipe_rc}): ${_metropipe_error}\nInstall metropipe for that interpreter "
                      "(pip install metropipe), or set METROPIPE_EXECUTABLE.")
endif()
string(REGEX REPLACE "^metropipe " "" METROPIPE_VERSION "${_metropipe_version_text}")
# The generator's version is an input of every command: upgrading metropipe regenerates.
set(_METROPIPE_VERSION_FILE "${CMAKE_BINARY_DIR}/metropipe/generator-version.txt")
file(CONFIGURE OUTPUT "${_METROPIPE_VERSION_FILE}" CONTENT "${_metropipe_version_text}\n")

# How a command declares its files. Ninja re-stats outputs, so an output metropipe left untouched
# (same content) stops the rebuild there: OUTPUT is the exact files. Make cannot: CMake's Makefiles
# touch every OUTPUT older than the first, forcing recompiles, so there the only OUTPUT is a stamp
# metropipe touches (the depfile's target) and the same exact files are BYPRODUCTS.
macro(_metropipe_outputs stamp_file files)
  if(CMAKE_GENERATOR MATCHES "Ninja")
    set(declare OUTPUT ${files})
    set(stamp "")
    set(primary ${files})
  else()
    set(declare OUTPUT "${stamp_file}" BYPRODUCTS ${files})
    set(stamp --stamp "${stamp_file}")
    set(primary "${stamp_file}")
  endif()
endmacro()

# The c-linker library of <function> from a Python source: built by CMake from the generated .c/.h,
# embedding CPython.
function(_metropipe_linker_library function library folder stem)
  add_library(${library} SHARED "${folder}/${stem}.c" "${folder}/${stem}.h")
  if(NOT TARGET Python::Python)
    find_package(Python 3.10 COMPONENTS Interpreter Development.Embed REQUIRED)
  endif()
  target_link_libraries(${library} PRIVATE Python::Python)
  set_target_properties(${library} PROPERTIES C_VISIBILITY_PRESET hidden OUTPUT_NAME ${function})
  target_include_directories(${library} PUBLIC "$<BUILD_INTERFACE:${folder}>")
  target_compile_definitions(${library} PRIVATE "METROPIPE_SOURCE_DIR=\"${folder}\"")
  find_package(Threads REQUIRED)
  target_link_libraries(${library} PRIVATE Threads::Threads ${CMAKE_DL_LIBS} m)
endfunction()

# The c-linker library of <function> from a C, Rust or Go source: the generated Makefile builds it (it
# compiles the source in, with rustc or go where needed, and a version script); CMake sees an IMPORTED
# SHARED library. The make command itself is added by _metropipe_make_command once the generation's
# outputs are known.
function(_metropipe_imported_library function library folder)
  file(MAKE_DIRECTORY "${folder}")  # an imported target's include directory must exist
  add_library(${library} SHARED IMPORTED GLOBAL)
  set_target_properties(${library} PROPERTIES IMPORTED_LOCATION "${folder}/lib${function}.so"
                        IMPORTED_NO_SONAME TRUE INTERFACE_INCLUDE_DIRECTORIES "${folder}")
  add_dependencies(${library} metropipe_${function}_library)
endfunction()

function(_metropipe_make_command function folder makefile source generation generated language)
  if(NOT METROPIPE_MAKE)
    find_program(METROPIPE_MAKE NAMES gmake make DOC "GNU make, to build c-linker libraries of C, Rust and Go")
    if(NOT METROPIPE_MAKE)
      message(FATAL_ERROR "metropipe: the c-linker library of '${function}' needs GNU make (set METROPIPE_MAKE)")
    endif()
  endif()
  get_filename_component(name "${makefile}" NAME)
  set(lib "${folder}/lib${function}.so")
  # make leaves an up-to-date library alone: with Ninja (restat) that ends the rebuild; CMake's Makefiles
  # need a stamp of their own, or they would run make on every build
  _metropipe_outputs("${CMAKE_CURRENT_BINARY_DIR}/metropipe/lib${function}.stamp" "${lib}")
  set(touch "")
  if(stamp)
    set(touch COMMAND "${CMAKE_COMMAND}" -E touch "${CMAKE_CURRENT_BINARY_DIR}/metropipe/lib${function}.stamp")
  endif()
  # Rust's and Go's Makefiles list what the library was built from (the crate's or the package's other files
  # too) in lib<name>.so.d: Ninja reads it as the command's depfile
  set(depfile "")
  if(NOT stamp AND language MATCHES "^(rust|go)$")
    set(depfile DEPFILE "${lib}.d")
  endif()
  add_custom_command(
    ${declare}
    COMMAND "${METROPIPE_MAKE}" -s -C "${folder}" -f "${name}" "CC=${CMAKE_C_COMPILER}"
    ${touch}
    ${depfile}
    DEPENDS ${generated} ${source}
    COMMENT "metropipe: building lib${function}.so (make -C ${folder})"
    VERBATIM)
  add_custom_target(metropipe_${function}_library ALL DEPENDS ${primary})
  add_dependencies(metropipe_${function}_library ${generation})
endfunction()

# TOML basic-string spelling of a CMake string (paths, names).
function(_metropipe_toml_string out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

function(add_metropipe_stub function)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SOURCE;OUTPUT_DIR;CHANNEL;LIBRARY" "TARGETS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_metropipe_stub(): unexpected arguments '${arg_UNPARSED_ARGUMENTS}'; expected "
                        "SOURCE, TARGETS, OUTPUT_DIR, CHANNEL or LIBRARY")
  endif()
  if(NOT arg_SOURCE)
    message(FATAL_ERROR "add_metropipe_stub(): SOURCE is required")
  endif()
  if(NOT arg_TARGETS)
    message(FATAL_ERROR "add_metropipe_stub(): TARGETS is required (for example TARGETS c-linker)")
  endif()
  if(arg_LIBRARY AND NOT "c-linker" IN_LIST arg_TARGETS)
    message(FATAL_ERROR "add_metropipe_stub(): LIBRARY names the c-linker library; add c-linker to TARGETS")
  endif()
  if(TARGET metropipe_${function})
    message(FATAL_ERROR "add_metropipe_stub(): '${function}' is already added")
  endif()
  get_filename_component(source "${arg_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "add_metropipe_stub(): SOURCE '${arg_SOURCE}' does not exist (looked for ${source})")
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}")
  if(arg_OUTPUT_DIR)
    get_filename_component(out "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()

  # The export joins this directory's generated manifest; one `metropipe outputs` at the end of the
  # directory lists every stub's files, and one `metropipe build` command generates them all.
  foreach(key function source out)
    _metropipe_toml_string(${key}_toml "${${key}}")
  endforeach()
  set(targets_toml "")
  foreach(t IN LISTS arg_TARGETS)
    _metropipe_toml_string(t "${t}")
    list(APPEND targets_toml "${t}")
  endforeach()
  list(JOIN targets_toml ", " targets_toml)
  set(entry "\n# add_metropipe_stub(${function}) in ${CMAKE_CURRENT_LIST_FILE}\n[[export]]\n")
  string(APPEND entry "function = ${function_toml}\nsource = ${source_toml}\ntargets = [${targets_toml}]\n")
  string(APPEND entry "out = ${out_toml}\n")
  if(arg_CHANNEL)
    _metropipe_toml_string(channel_toml "${arg_CHANNEL}")
    string(APPEND entry "channel = ${channel_toml}\n")
  endif()
  get_property(pending DIRECTORY PROPERTY _METROPIPE_STUBS_TOML)
  if(NOT DEFINED pending OR pending STREQUAL "")
    cmake_language(DEFER DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" CALL _metropipe_flush_stubs)
  endif()
  set_property(DIRECTORY APPEND_STRING PROPERTY _METROPIPE_STUBS_TOML "${entry}")
  set_property(DIRECTORY APPEND PROPERTY _METROPIPE_STUB_FUNCTIONS "${function}")

  # Targets exist now, so the caller can link and depend on them; their files come at the flush.
  add_custom_target(metropipe_${function} ALL)
  if("c-linker" IN_LIST arg_TARGETS)
    set(library ${function})
    if(arg_LIBRARY)
      set(library ${arg_LIBRARY})
    endif()
    set(folder "${out}/metropipe/${function}")
    if(source MATCHES "\\.pyi?$")
      _metropipe_linker_library(${function} ${library} "${folder}" ${function})
      add_dependencies(${library} metropipe_${function})
    else()
      _metropipe_imported_library(${function} ${library} "${folder}")
      set_property(DIRECTORY APPEND PROPERTY _METROPIPE_MADE_LIBRARIES "${function}|${folder}|${source}")
    endif()
  endif()
endfunction()

# Deferred to the end of a directory that called add_metropipe_stub(): generate its stubs in one command.
function(_metropipe_flush_stubs)
  get_property(entries DIRECTORY PROPERTY _METROPIPE_STUBS_TOML)
  get_property(functions DIRECTORY PROPERTY _METROPIPE_STUB_FUNCTIONS)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/metropipe")
  set(manifest "${dir}/stubs.toml")
  file(WRITE "${manifest}.new" "# Written by add_metropipe_stub() (metropipeConfig.cmake): do not edit.\n${entries}")
  configure_file("${manifest}.new" "${manifest}" COPYONLY)  # rewritten only when it changes
  file(REMOVE "${manifest}.new")

  execute_process(COMMAND ${METROPIPE_EXECUTABLE} outputs --manifest "${manifest}" --no-libraries --read-sources
                  WORKING_DIRECTORY "${dir}"
                  OUTPUT_VARIABLE listed ERROR_VARIABLE error RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "add_metropipe_stub(): metropipe export failed (the exports of ${CMAKE_CURRENT_LIST_FILE}, "
                        "listed in ${manifest}):\n${error}")
  endif()
  string(REGEX REPLACE "\n$" "" listed "${listed}")
  string(REPLACE "\n" ";" relative "${listed}")
  set(outputs "")
  foreach(path IN LISTS relative)
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${dir}")
    list(APPEND outputs "${path}")
  endforeach()
  # a source edit may change what is listed only through its file name: re-list when metropipe changes
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_METROPIPE_VERSION_FILE}")

  string(MD5 id "${CMAKE_CURRENT_BINARY_DIR}")
  string(SUBSTRING "${id}" 0 8 id)
  set(name metropipe_stubs_${id})
  set(depfile "${dir}/stubs.d")
  _metropipe_outputs("${dir}/stubs.stamp" "${outputs}")
  list(JOIN functions ", " names)
  # run in the current binary directory: the depfile's relative paths are read from there
  add_custom_command(
    ${declare}
    COMMAND ${METROPIPE_EXECUTABLE} build --manifest "${manifest}" --no-libraries --quiet --depfile "${depfile}"
            ${stamp}
    DEPENDS "${manifest}" "${_METROPIPE_VERSION_FILE}"
    DEPFILE "${depfile}"
    COMMENT "metropipe: generating the stubs of ${names}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${primary})
  foreach(function IN LISTS functions)
    add_dependencies(metropipe_${function} ${name})
  endforeach()
  get_property(made DIRECTORY PROPERTY _METROPIPE_MADE_LIBRARIES)
  foreach(entry IN LISTS made)
    string(REPLACE "|" ";" entry "${entry}")
    list(GET entry 0 function)
    list(GET entry 1 folder)
    list(GET entry 2 source)
    set(language "")
    if(source MATCHES "\\.rs$")
      set(language rust)
    elseif(source MATCHES "\\.go$")
      set(language go)
    endif()
    _metropipe_make_command(${function} "${folder}" "${folder}/Makefile" "${source}" ${name} "${primary}"
                            "${language}")
  endforeach()
endfunction()

function(metropipe_add_manifest manifest)
  if(ARGN)
    message(FATAL_ERROR "metropipe_add_manifest(): unexpected arguments '${ARGN}'; expected one manifest")
  endif()
  get_filename_component(manifest "${manifest}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "metropipe_add_manifest(): the manifest '${manifest}' does not exist")
  endif()
  get_filename_component(root "${manifest}" DIRECTORY)
  execute_process(COMMAND ${METROPIPE_EXECUTABLE} outputs --manifest "${manifest}" --json
                  WORKING_DIRECTORY "${root}"
                  OUTPUT_VARIABLE listed ERROR_VARIABLE error RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "metropipe_add_manifest(): metropipe outputs failed:\n${error}")
  endif()
  # the manifest decides the outputs: editing it re-runs this query
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
  set(outputs "")
  set(libraries "")  # name|folder|makefile|language|sources (sources joined with ',')
  string(JSON count LENGTH "${listed}")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON path GET "${listed}" ${i} path)
      string(JSON kind GET "${listed}" ${i} kind)
      get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${root}")
      if(NOT kind STREQUAL "library")
        list(APPEND outputs "${path}")
        continue()
      endif()
      string(JSON language GET "${listed}" ${i} language)
      string(JSON makefile GET "${listed}" ${i} makefile)
      get_filename_component(makefile "${makefile}" ABSOLUTE BASE_DIR "${root}")
      string(JSON n_sources LENGTH "${listed}" ${i} sources)
      set(sources "")
      math(EXPR n_sources "${n_sources} - 1")
      foreach(j RANGE ${n_sources})
        string(JSON source GET "${listed}" ${i} sources ${j})
        get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${root}")
        list(APPEND sources "${source}")
      endforeach()
      list(JOIN sources "," sources)
      get_filename_component(folder "${path}" DIRECTORY)
      get_filename_component(library "${path}" NAME_WE)
      string(REGEX REPLACE "^lib" "" library "${library}")
      list(APPEND libraries "${library}|${folder}|${makefile}|${language}|${sources}")
    endforeach()
  endif()

  set(name metropipe_manifest)
  set(n 1)
  while(TARGET ${name})
    math(EXPR n "${n} + 1")
    set(name metropipe_manifest_${n})
  endwhile()
  set(depfile "${CMAKE_CURRENT_BINARY_DIR}/metropipe/${name}.d")
  _metropipe_outputs("${CMAKE_CURRENT_BINARY_DIR}/metropipe/${name}.stamp" "${outputs}")
  # run in the current binary directory: the depfile's relative paths are read from there
  add_custom_command(
    ${declare}
    COMMAND ${METROPIPE_EXECUTABLE} build --manifest "${manifest}" --no-libraries --quiet --depfile "${depfile}"
            ${stamp}
    DEPENDS "${manifest}" "${_METROPIPE_VERSION_FILE}"
    DEPFILE "${depfile}"
    COMMENT "metropipe: building ${manifest}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${primary})

  # c-linker libraries, one target each, named like the library (lib<name>.so): built by CMake from a
  # Python source, by the generated Makefile from the others
  foreach(entry IN LISTS libraries)
    string(REPLACE "|" ";" entry "${entry}")
    list(GET entry 0 library)
    list(GET entry 1 folder)
    list(GET entry 2 makefile)
    list(GET entry 3 language)
    list(GET entry 4 sources)
    string(REPLACE "," ";" sources "${sources}")
    if(TARGET ${library})
      message(FATAL_ERROR "metropipe_add_manifest(): the c-linker library '${library}' of ${manifest} clashes "
                          "with a target of the same name")
    endif()
    get_filename_component(stem "${makefile}" NAME_WE)
    if(stem STREQUAL "Makefile")
      set(stem ${library})
    endif()
    if(language STREQUAL "python")
      _metropipe_linker_library(${library} ${library} "${folder}" ${stem})
      add_dependencies(${library} ${name})
    else()
      _metropipe_imported_library(${library} ${library} "${folder}")
      _metropipe_make_command(${library} "${folder}" "${makefile}" "${sources}" ${name} "${primary}"
                              "${language}")
    endif()
  endforeach()
endfunction()

cmake_policy(POP)
