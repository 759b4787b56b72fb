// The scalars a step reports (loss and loss terms), brought to the host in one copy.
//
// On CUDA every .item() is a host-device synchronisation; a step used to make one per term.
// Here the copy into page-locked memory is queued once, right after the forward pass, and the
// host waits for it only after the backward pass has been queued too, so the GPU has work while
// the host waits. On the CPU the values are simply read.
#pragma once

#include <c10/core/Event.h>
#include <torch/types.h>

#include <memory>
#include <vector>

namespace adx {

class ScalarReadback {
 public:
  // Queues the copy of these one-element tensors (any dtype, any device).
  explicit ScalarReadback(const std::vector<torch::Tensor>& scalars);
  // The values, in the constructor's order, as doubles (exact for fp32 and for integer counts
  // below 2^53). Waits for the copy; call once.
  std::vector<double> wait();

 private:
  torch::Tensor host_;                  // float64 on the CPU (page-locked when copied from CUDA)
  std::unique_ptr<c10::Event> copied_;  // recorded after the copy on the device's stream
};

}  // namespace adx
