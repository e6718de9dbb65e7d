# Helper functions shared by every module: sl_library(), sl_test(), sl_fuzzer().

set(SL_WARNINGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(SL_WERROR)
  list(APPEND SL_WARNINGS -Werror)
endif()

if(SL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(SL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# sl_library(NAME SOURCES ... DEPS ...): a static library sl_<NAME> with the project's warnings.
function(sl_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sl_${name} STATIC ${ARG_SOURCES})
  target_include_directories(sl_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(sl_${name} PRIVATE ${SL_WARNINGS})
  target_link_libraries(sl_${name} PUBLIC ${ARG_DEPS})
endfunction()

# sl_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(sl_test name)
  if(NOT SL_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${SL_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()

# sl_fuzzer(NAME SOURCE DEPS ...): a libFuzzer target fuzz_<NAME> in the fuzz preset; in every
# other build, a standalone replay binary whose corpus (tests/fuzz/corpus/<NAME> and
# tests/fuzz/regressions/<NAME>) runs in ctest.
function(sl_fuzzer name source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  set(regress ${PROJECT_SOURCE_DIR}/tests/fuzz/regressions/${name})
  if(SL_FUZZ)
    add_executable(fuzz_${name} ${source})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_${name} ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/standalone_driver.cpp)
  endif()
  target_compile_options(fuzz_${name} PRIVATE ${SL_WARNINGS})
  target_link_libraries(fuzz_${name} PRIVATE ${ARG_DEPS})
  if(NOT SL_FUZZ AND SL_TESTS)
    add_test(NAME corpus_${name} COMMAND fuzz_${name} ${corpus} ${regress})
    set_tests_properties(corpus_${name} PROPERTIES LABELS corpus)
  endif()
endfunction()
