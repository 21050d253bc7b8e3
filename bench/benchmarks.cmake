# Google Benchmark suite: one executable, run by bench/run.sh (which builds nothing itself).
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYSRING_BUILD_TESTS=OFF
#   cmake --build build-bench --target sysring_bench && bench/run.sh build-bench/bench/sysring_bench
# Numbers only mean something in a Release (-O3, NDEBUG) build.
find_package(benchmark REQUIRED)

add_executable(sysring_bench ${CMAKE_CURRENT_SOURCE_DIR}/sysring_bench.cpp)
target_link_libraries(sysring_bench PRIVATE sysring_platform_sources benchmark::benchmark)
# Counters (Linux perf_event): the library's per-CPU read against a read() of a group fd.
if(TARGET sysring_perf_counters)
  target_sources(sysring_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/counters_bench.cpp)
  target_link_libraries(sysring_bench PRIVATE sysring_perf_counters sysring_counters)
endif()
# Per-process counters (issue 15): a real sysringd (started by the benchmark on a private segment
# and socket) against perf fds this process opens itself. Linux only, like the broker's requests.
if(TARGET sysringd AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_sources(sysring_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/process_counters_bench.cpp)
  target_link_libraries(sysring_bench PRIVATE sysring_client)
  set_source_files_properties(
    ${CMAKE_CURRENT_SOURCE_DIR}/process_counters_bench.cpp PROPERTIES
    COMPILE_DEFINITIONS "SYSRING_BENCH_SYSRINGD=\"$<TARGET_FILE:sysringd>\"")
  add_dependencies(sysring_bench sysringd)
endif()

# Smoke test only: proves the suite sets up a real segment and every benchmark runs. No
# performance assertion belongs in a unit test (bench/report.py checks the ratios).
if(SYSRING_BUILD_TESTS)
  add_test(NAME bench.smoke COMMAND sysring_bench --benchmark_min_time=0.01)
  set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 120)
endif()
