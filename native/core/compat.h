// The one place where LibTorch 1.13 (Debian, CPU) and 2.x (pip PyTorch, CUDA) differ for us.
// Everything else includes this instead of spelling version-specific API.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>

#define ADX_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace adx::compat {

// c10::optional became an alias of std::optional in 2.x; both spell it c10::optional.
template <class T>
using optional = c10::optional<T>;

inline std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

// A seeded CPU generator. All random draws happen on it (then move to the device), so a run is
// reproducible on CPU and draws the same λ, permutations and crops on CUDA.
inline at::Generator make_cpu_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// The key of a parameter in torch::optim::Optimizer::state(): the TensorImpl address printed
// as a string in 1.13, the address itself in later 2.x. Picked from the map's key type, so no
// version number has to be known.
template <class StateMap>
typename StateMap::key_type optimizer_state_key(const StateMap&, const at::Tensor& param) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;  // what c10::guts::to_string did for the pointer
    text << param.unsafeGetTensorImpl();
    return text.str();
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

// Autocast (mixed precision) per device type: LibTorch 1.13 has one setter per device type
// (set_cpu_enabled, set_autocast_gpu_dtype, ...), 2.4+ takes the device type as an argument.
// Defined in compat.cc so that only one translation unit includes ATen/autocast_mode.h.
bool autocast_enabled(c10::DeviceType type);
at::ScalarType autocast_dtype(c10::DeviceType type);
void set_autocast(c10::DeviceType type, bool enabled, at::ScalarType dtype);
// Entering/leaving an autocast region; leaving the outermost one frees the cached casts of the
// weights (as torch.autocast's __exit__ does).
void autocast_enter();
void autocast_leave();

inline bool cuda_available() { return torch::cuda::is_available(); }
inline int64_t cuda_device_count() { return static_cast<int64_t>(torch::cuda::device_count()); }

// LibTorch's message without the C++ backtrace that c10::Error appends ("Exception raised from ...").
inline std::string message_without_backtrace(const c10::Error& e) {
  std::string msg = e.msg();
  const auto cut = msg.find("\nException raised from");
  if (cut != std::string::npos) msg.erase(cut);
  return msg;
}

}  // namespace adx::compat
