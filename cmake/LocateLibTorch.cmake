# Finds LibTorch, in this order, and sets ADX_TORCH_SOURCE (where it came from) and ADX_TORCH_LIB_DIR:
#   1. what the user names: LIBTORCH_DIR (CMake variable or environment), Torch_DIR or CMAKE_PREFIX_PATH;
#   2. the LibTorch bundled with python3's torch (torch.utils.cmake_prefix_path), e.g. a pip PyTorch with CUDA;
#   3. the system's (Debian: `apt-get install libtorch-dev`).
# If none is found, one error lists the three ways to provide it.

# A CUDA LibTorch's config finds the toolkit (its FindCUDA) through the `nvcc` on PATH, two folders
# up; a wrapper script such as /usr/local/bin/nvcc sends it to /usr/local, which holds no toolkit,
# and the configure fails with "Your installed Caffe2 version uses CUDA but I cannot find the CUDA
# libraries". Name the root for it, unless the user did: CUDA_HOME, CUDA_PATH, the nvcc's own
# folder when it is a toolkit, else /usr/local/cuda; the first that holds the runtime's header.
if(NOT CUDA_TOOLKIT_ROOT_DIR)
  find_program(ADX_NVCC nvcc)
  set(_adx_cuda_roots "$ENV{CUDA_HOME}" "$ENV{CUDA_PATH}")
  if(ADX_NVCC)
    get_filename_component(_adx_nvcc_root "${ADX_NVCC}" DIRECTORY)
    get_filename_component(_adx_nvcc_root "${_adx_nvcc_root}" DIRECTORY)
    list(APPEND _adx_cuda_roots "${_adx_nvcc_root}")
  endif()
  foreach(_adx_root IN LISTS _adx_cuda_roots ITEMS /usr/local/cuda)
    if(_adx_root AND EXISTS "${_adx_root}/include/cuda_runtime_api.h" AND EXISTS "${_adx_root}/bin/nvcc")
      set(CUDA_TOOLKIT_ROOT_DIR "${_adx_root}")
      break()
    endif()
  endforeach()
endif()

if(NOT LIBTORCH_DIR AND DEFINED ENV{LIBTORCH_DIR})
  set(LIBTORCH_DIR "$ENV{LIBTORCH_DIR}")
endif()

set(ADX_TORCH_SOURCE "")
if(LIBTORCH_DIR)
  find_package(Torch CONFIG QUIET
    PATHS "${LIBTORCH_DIR}" "${LIBTORCH_DIR}/share/cmake/Torch" "${LIBTORCH_DIR}/lib/cmake/Torch"
    NO_DEFAULT_PATH)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR "LIBTORCH_DIR=${LIBTORCH_DIR} holds no TorchConfig.cmake. Point it at an unpacked "
      "LibTorch (the folder with lib/, include/ and share/cmake/Torch).")
  endif()
  set(ADX_TORCH_SOURCE "LIBTORCH_DIR")
elseif(Torch_DIR OR CMAKE_PREFIX_PATH OR DEFINED ENV{Torch_DIR} OR DEFINED ENV{CMAKE_PREFIX_PATH})
  find_package(Torch CONFIG QUIET)
  if(Torch_FOUND)
    set(ADX_TORCH_SOURCE "Torch_DIR/CMAKE_PREFIX_PATH")
    # find_package caches Torch_DIR, so a re-configure lands here whichever way the first found
    # it: keep the first way's name for the same folder.
    if(ADX_TORCH_FIRST_SOURCE AND Torch_DIR STREQUAL ADX_TORCH_FIRST_DIR)
      set(ADX_TORCH_SOURCE "${ADX_TORCH_FIRST_SOURCE}")
    endif()
  endif()
endif()

if(NOT Torch_FOUND)
  if(NOT ADX_PYTHON)
    set(ADX_PYTHON "$ENV{ADX_PYTHON}")
  endif()
  if(NOT ADX_PYTHON)
    find_program(ADX_PYTHON NAMES python3 python)
  endif()
  if(ADX_PYTHON)
    execute_process(
      COMMAND "${ADX_PYTHON}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE _adx_py_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET RESULT_VARIABLE _adx_py_rc)
    if(_adx_py_rc EQUAL 0 AND EXISTS "${_adx_py_prefix}/Torch/TorchConfig.cmake")
      find_package(Torch CONFIG QUIET PATHS "${_adx_py_prefix}/Torch" NO_DEFAULT_PATH)
      if(Torch_FOUND)
        set(ADX_TORCH_SOURCE "python torch (${ADX_PYTHON})")
      endif()
    endif()
  endif()
endif()

if(NOT Torch_FOUND)
  find_package(Torch CONFIG QUIET)
  if(Torch_FOUND)
    set(ADX_TORCH_SOURCE "system")
  endif()
endif()

if(NOT Torch_FOUND)
  message(FATAL_ERROR
    "adautomix needs LibTorch and found none. Provide it one of three ways:\n"
    "  1. name it: LIBTORCH_DIR=/path/to/libtorch (or -DTorch_DIR=/path/share/cmake/Torch, or CMAKE_PREFIX_PATH);\n"
    "  2. install PyTorch for python3 (pip install torch); its bundled LibTorch is used;\n"
    "  3. install the system package: apt-get install libtorch-dev libgloo-dev libopenblas0-openmp (Debian/Ubuntu).")
endif()

# TORCH_LIBRARIES, mended in one pass:
# - A CUDA LibTorch lists the toolkit's libnvrtc. A toolkit assembled from NVIDIA's pip wheels
#   (nvcc and the runtime only) has none: PyTorch's own copy sits in site-packages/nvidia/cu13/lib,
#   and the generate step would stop on CUDA_nvrtc_LIBRARY-NOTFOUND. The addon calls no NVRTC
#   function (LibTorch loads its copy itself), so such an entry is left out.
# - TorchConfig.cmake looks for libc10 in the system's folders before its own, so with Debian's
#   libtorch-dev installed beside a pip PyTorch it links /usr/lib's libc10 of another version. Each
#   library that LibTorch's own lib/ also holds is taken from there.
set(_adx_torch_libraries "")
set(_adx_missing "")
foreach(_adx_lib IN LISTS TORCH_LIBRARIES)
  get_filename_component(_adx_name "${_adx_lib}" NAME)
  if(_adx_lib MATCHES "-NOTFOUND$")
    list(APPEND _adx_missing "${_adx_lib}")
    continue()
  elseif(IS_ABSOLUTE "${_adx_lib}" AND EXISTS "${TORCH_INSTALL_PREFIX}/lib/${_adx_name}")
    set(_adx_lib "${TORCH_INSTALL_PREFIX}/lib/${_adx_name}")
  endif()
  list(APPEND _adx_torch_libraries "${_adx_lib}")
endforeach()
set(TORCH_LIBRARIES "${_adx_torch_libraries}")
if(NOT _adx_missing STREQUAL "")  # (plain if(_adx_missing) is false: "...-NOTFOUND" reads as false)
  message(STATUS "adautomix: not linking what LibTorch's config could not find: ${_adx_missing}")
endif()

# For the next configure (see above); unchanged when it reused these for the same folder.
set(ADX_TORCH_FIRST_SOURCE "${ADX_TORCH_SOURCE}" CACHE INTERNAL "how LibTorch was first found")
set(ADX_TORCH_FIRST_DIR "${Torch_DIR}" CACHE INTERNAL "where LibTorch was first found")

# The folder holding libc10.so: the addon's RPATH points there.
find_library(ADX_C10_LIBRARY c10 PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH)
if(NOT ADX_C10_LIBRARY)
  find_library(ADX_C10_LIBRARY c10)
endif()
get_filename_component(ADX_TORCH_LIB_DIR "${ADX_C10_LIBRARY}" DIRECTORY)

# The C++ standard LibTorch's headers need is a property of its `torch` target: 14 in 1.13, 17 in
# 2.6, 20 in newer 2.x (2.14's headers stop with "#error C++20 or later ... is required" below it).
# A target property does not reach the targets that link torch, so raise ours to it here.
get_target_property(ADX_TORCH_CXX_STANDARD torch CXX_STANDARD)
if(ADX_TORCH_CXX_STANDARD AND ADX_TORCH_CXX_STANDARD GREATER CMAKE_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD ${ADX_TORCH_CXX_STANDARD})
endif()
