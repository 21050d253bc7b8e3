# Generates code from schema/ at build time (never committed):
#   registry/*.csv --gen_registry.py--> metric_id.fbs + sysring/registry_data.hpp
#   *.fbs          --flatc-->           *_generated.h
# Consumers link the interface target `sysring_schema`.
set(SCHEMA_DIR ${PROJECT_SOURCE_DIR}/schema)
set(GEN_DIR ${PROJECT_BINARY_DIR}/generated)
file(GLOB REGISTRY_CSVS CONFIGURE_DEPENDS ${SCHEMA_DIR}/registry/*.csv)

add_custom_command(
  OUTPUT ${GEN_DIR}/metric_id.fbs ${GEN_DIR}/sysring/registry_data.hpp
  COMMAND ${Python3_EXECUTABLE} ${SCHEMA_DIR}/gen_registry.py
          --registry ${REGISTRY_CSVS}
          --released ${SCHEMA_DIR}/registry/released_ids.txt
          --retired ${SCHEMA_DIR}/registry/retired_ids.txt
          --fbs-out ${GEN_DIR}/metric_id.fbs
          --cpp-out ${GEN_DIR}/sysring/registry_data.hpp
  DEPENDS ${SCHEMA_DIR}/gen_registry.py ${REGISTRY_CSVS} ${SCHEMA_DIR}/registry/released_ids.txt
          ${SCHEMA_DIR}/registry/retired_ids.txt
  COMMENT "Generating MetricId enum and registry table"
  VERBATIM)

set(FBS_HEADERS "")
foreach(fbs types descriptors instances delta_batch counter_request)
  list(APPEND FBS_HEADERS ${GEN_DIR}/${fbs}_generated.h)
endforeach()
add_custom_command(
  OUTPUT ${FBS_HEADERS} ${GEN_DIR}/metric_id_generated.h
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${SCHEMA_DIR}/types.fbs
          ${SCHEMA_DIR}/descriptors.fbs ${SCHEMA_DIR}/instances.fbs ${SCHEMA_DIR}/delta_batch.fbs
          ${SCHEMA_DIR}/counter_request.fbs ${GEN_DIR}
  COMMAND ${FLATC} --cpp --scoped-enums --cpp-std c++17 -o ${GEN_DIR}
          ${GEN_DIR}/metric_id.fbs ${GEN_DIR}/types.fbs ${GEN_DIR}/descriptors.fbs
          ${GEN_DIR}/instances.fbs ${GEN_DIR}/delta_batch.fbs ${GEN_DIR}/counter_request.fbs
  DEPENDS ${GEN_DIR}/metric_id.fbs ${SCHEMA_DIR}/types.fbs ${SCHEMA_DIR}/descriptors.fbs
          ${SCHEMA_DIR}/instances.fbs ${SCHEMA_DIR}/delta_batch.fbs ${SCHEMA_DIR}/counter_request.fbs
  WORKING_DIRECTORY ${GEN_DIR}
  COMMENT "flatc: generating C++ from schema/*.fbs"
  VERBATIM)

add_custom_target(sysring_schema_gen DEPENDS ${FBS_HEADERS} ${GEN_DIR}/sysring/registry_data.hpp)
add_library(sysring_schema INTERFACE)
add_dependencies(sysring_schema sysring_schema_gen)
target_include_directories(sysring_schema INTERFACE ${GEN_DIR} ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(sysring_schema INTERFACE flatbuffers::flatbuffers)
