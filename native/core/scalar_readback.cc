#include "core/scalar_readback.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/torch.h>

#include <thread>

#include "core/host_to_device.h"

namespace adx {

ScalarReadback::ScalarReadback(const std::vector<torch::Tensor>& scalars) {
  if (scalars.empty()) {
    host_ = torch::empty({0}, torch::kFloat64);
    return;
  }
  std::vector<torch::Tensor> flat;
  flat.reserve(scalars.size());
  // A scalar made on the host next to device ones joins them without a synchronising copy.
  const auto device = scalars.front().device();
  for (const auto& s : scalars) flat.push_back(to_device_async(s.detach().reshape({1}).to(torch::kFloat64), device));
  const auto values = torch::cat(flat);
  if (values.device().is_cpu()) {
    host_ = values;
    return;
  }
  // non_blocking into page-locked memory is a true asynchronous copy; the event tells when it landed.
  host_ = torch::empty({values.numel()}, torch::TensorOptions().dtype(torch::kFloat64).pinned_memory(true));
  host_.copy_(values, /*non_blocking=*/true);
  const auto type = values.device().type();
  copied_ = std::make_unique<c10::Event>(type);
  copied_->record(c10::impl::getDeviceGuardImpl(type)->getStream(values.device()));
}

std::vector<double> ScalarReadback::wait() {
  // LibTorch 1.13's c10::Event has no blocking wait; polling is what a spinning CUDA sync does too.
  if (copied_) {
    while (!copied_->query()) std::this_thread::yield();
  }
  const double* v = host_.data_ptr<double>();
  return std::vector<double>(v, v + host_.numel());
}

}  // namespace adx
