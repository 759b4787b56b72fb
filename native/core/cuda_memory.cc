#include "core/cuda_memory.h"

#include <string>

#include "core/compat.h"
#include "core/errors.h"

// Only a build against a CUDA LibTorch has the allocator's header (CMake defines ADX_WITH_CUDA).
#ifdef ADX_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace adx {

CudaMemory cuda_memory(int64_t device_index, bool reset_peak) {
#ifdef ADX_WITH_CUDA
  if (!compat::cuda_available() || device_index < 0 || device_index >= compat::cuda_device_count()) {
    throw Error(ErrorCode::Device, "no CUDA device " + std::to_string(device_index) + " to read memory counters of");
  }
  const auto index = static_cast<c10::DeviceIndex>(device_index);
  // The allocator exists only once CUDA is initialised in this process: an empty tensor on the
  // device initialises it (and allocates nothing), so a process that has not used the GPU yet
  // reads zeros instead of failing.
  (void)at::empty({0}, at::TensorOptions().device(at::Device(at::kCUDA, index)));
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  constexpr double kMiB = 1024.0 * 1024.0;
  // Index 0 of each counter array is the aggregate over the small and large pools.
  CudaMemory m{static_cast<double>(stats.allocated_bytes[0].current) / kMiB,
               static_cast<double>(stats.allocated_bytes[0].peak) / kMiB,
               static_cast<double>(stats.reserved_bytes[0].current) / kMiB};
  if (reset_peak) c10::cuda::CUDACachingAllocator::resetPeakStats(index);
  return m;
#else
  (void)device_index;
  (void)reset_peak;
  throw Error(ErrorCode::Device, "this build of adautomix has no CUDA (LibTorch " + compat::torch_version() +
                                     "): no GPU memory counters");
#endif
}

}  // namespace adx
