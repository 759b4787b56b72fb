// Small host tensors (random draws, indices, constants) onto the training device without a
// host-device synchronisation.
//
// On CUDA, LibTorch copies pageable host memory synchronously: every plain .to(cuda) waits until
// the whole stream has drained, which a step did a dozen times (permutations, crop indices, the
// normalisation constants...). Staged in page-locked memory, the copy is queued like a kernel; the
// caching host allocator keeps the staging block until the copy has run.
#pragma once

#include <torch/types.h>

namespace adx {

inline torch::Tensor to_device_async(const torch::Tensor& t, const torch::Device& device) {
  if (t.device() == device) return t;
  if (device.is_cuda() && t.is_cpu()) return t.pin_memory().to(device, /*non_blocking=*/true);
  return t.to(device);
}

// The same into an existing device tensor (a CUDA graph's input buffer).
inline void copy_to_device_async(torch::Tensor& buffer, const torch::Tensor& host) {
  if (buffer.is_cuda() && host.is_cpu()) {
    buffer.copy_(host.pin_memory(), /*non_blocking=*/true);
  } else {
    buffer.copy_(host);
  }
}

}  // namespace adx
