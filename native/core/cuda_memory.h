// The CUDA caching allocator's counters for one device, in MiB: what benchmarks compare with
// torch.cuda.max_memory_allocated() on the reference side.
#pragma once

#include <cstdint>

namespace adx {

struct CudaMemory {
  double allocated = 0;  // live tensors now
  double peak = 0;       // live tensors at most, since the last reset
  double reserved = 0;   // held by the allocator's cache
};

// E_DEVICE on a build without CUDA or for a device that is not there; `reset_peak` starts a new
// peak after reading this one.
CudaMemory cuda_memory(int64_t device_index, bool reset_peak);

}  // namespace adx
