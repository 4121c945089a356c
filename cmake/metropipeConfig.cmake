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
#   LIBRARY <name>       With `c-linker`: the name of the SHARED library target that CMake
#                        builds from the generated <function>.c/.h (default: <function>). Link
#                        it with target_link_libraries(); its include directory (the folder of
#                        <function>.h) comes with it. A Python source embeds CPython
#                        (find_package(Python COMPONENTS Development.Embed)).
#
# metropipe_add_manifest(<metropipe.toml>)
#   Every export of a manifest: one add_custom_command running `metropipe build --depfile
#   --no-libraries`, its OUTPUT files from `metropipe outputs --no-libraries`, driven by the
#   custom target `metropipe_manifest` (`metropipe_manifest_<n>` for a later manifest). Each
#   c-linker export of namespace mode gets a SHARED library target named <function>, built by
#   CMake as above.
#
# Variables
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

# The c-linker library of <function>: built by CMake from the generated .c/.h.
function(_metropipe_linker_library function library folder source)
  add_library(${library} SHARED "${folder}/${function}.c" "${folder}/${function}.h")
  if(source MATCHES "\\.pyi?$")  # the library embeds CPython to run the Python function
    if(NOT TARGET Python::Python)
      find_package(Python 3.10 COMPONENTS Interpreter Development.Embed REQUIRED)
    endif()
    target_link_libraries(${library} PRIVATE Python::Python)
  endif()
  set_target_properties(${library} PROPERTIES C_VISIBILITY_PRESET hidden OUTPUT_NAME ${function})
  target_include_directories(${library} PUBLIC "$<BUILD_INTERFACE:${folder}>")
  target_compile_definitions(${library} PRIVATE "METROPIPE_SOURCE_DIR=\"${folder}\"")
  find_package(Threads REQUIRED)
  target_link_libraries(${library} PRIVATE Threads::Threads ${CMAKE_DL_LIBS} m)
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
    _metropipe_linker_library(${function} ${library} "${out}/metropipe/${function}" "${source}")
    add_dependencies(${library} metropipe_${function})
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
  execute_process(COMMAND ${METROPIPE_EXECUTABLE} outputs --manifest "${manifest}" --no-libraries
                  WORKING_DIRECTORY "${root}"
                  OUTPUT_VARIABLE listed ERROR_VARIABLE error RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "metropipe_add_manifest(): metropipe outputs failed:\n${error}")
  endif()
  # the manifest decides the outputs: editing it re-runs this query
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
  string(REGEX REPLACE "\n$" "" listed "${listed}")
  string(REPLACE "\n" ";" relative "${listed}")
  set(outputs "")
  foreach(path IN LISTS relative)
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${root}")
    list(APPEND outputs "${path}")
  endforeach()

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

  # c-linker libraries, built by CMake: <folder>/<function>.c beside <folder>/Makefile (namespace mode)
  foreach(path IN LISTS outputs)
    if(path MATCHES "/metropipe/([A-Za-z_][A-Za-z0-9_]*)/Makefile$")
      set(function ${CMAKE_MATCH_1})
      get_filename_component(folder "${path}" DIRECTORY)
      if("${folder}/${function}.c" IN_LIST outputs AND NOT TARGET ${function})
        _metropipe_linker_library(${function} ${function} "${folder}" "${function}.py")  # Python sources only
        add_dependencies(${function} ${name})
      endif()
    endif()
  endforeach()
endfunction()

cmake_policy(POP)
