// Turns the user's `device` option into a torch::Device, or an E_DEVICE error.
#pragma once

#include <torch/types.h>

#include <string>

namespace adx {

struct DeviceChoice {
  torch::Device device;
  std::string name;  // "cpu", "cuda:0"
  bool automatic;    // chosen by 'auto'
};

// 'auto' picks cuda:0 when LibTorch sees a GPU, else cpu. 'cuda' / 'cuda:N' that cannot be had is
// E_DEVICE: an explicit request never silently falls back to the CPU.
DeviceChoice resolve_device(const std::string& request);

}  // namespace adx
