# Sets ADX_NODE_INCLUDE_DIRS: the Node-API headers and node-addon-api's napi.h.
# cmake-js passes CMAKE_JS_INC; a plain cmake build asks `node` where the npm packages put them.

find_program(ADX_NODE NAMES node nodejs)

function(adx_node_package_dir out_var package expression)
  if(NOT ADX_NODE)
    message(FATAL_ERROR "Building without cmake-js needs `node` on PATH to locate ${package}.")
  endif()
  execute_process(
    COMMAND "${ADX_NODE}" -p "require('path').resolve(${expression})"
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    OUTPUT_VARIABLE _dir OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _rc ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${_dir}")
    message(FATAL_ERROR "Could not locate the npm package ${package} (run `npm install`, or copy "
      "node_modules/${package} next to the sources): ${_err}")
  endif()
  set(${out_var} "${_dir}" PARENT_SCOPE)
endfunction()

adx_node_package_dir(_addon_api node-addon-api "require('node-addon-api').include_dir")
set(ADX_NODE_INCLUDE_DIRS "${_addon_api}")
if(CMAKE_JS_INC)
  list(APPEND ADX_NODE_INCLUDE_DIRS ${CMAKE_JS_INC})
else()
  adx_node_package_dir(_napi_headers node-api-headers "require('node-api-headers').include_dir")
  list(APPEND ADX_NODE_INCLUDE_DIRS "${_napi_headers}")
endif()
