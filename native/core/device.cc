#include "core/device.h"

#include "core/compat.h"
#include "core/errors.h"

namespace adx {

namespace {

int64_t parse_cuda_index(const std::string& request) {
  if (request == "cuda") return 0;
  const std::string digits = request.substr(5);
  if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::Config, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got '" + request + "'");
  }
  return std::stoll(digits);
}

}  // namespace

DeviceChoice resolve_device(const std::string& request) {
  if (request == "cpu") return {torch::Device(torch::kCPU), "cpu", false};
  if (request == "auto") {
    if (compat::cuda_available()) return {torch::Device(torch::kCUDA, 0), "cuda:0", true};
    return {torch::Device(torch::kCPU), "cpu", true};
  }
  if (request == "cuda" || request.rfind("cuda:", 0) == 0) {
    const int64_t index = parse_cuda_index(request);
    if (!compat::cuda_available()) {
      throw Error(ErrorCode::Device, "device '" + request +
                                         "' was requested but this LibTorch (" + compat::torch_version() +
                                         ") sees no CUDA device; use device 'cpu' or 'auto', or build "
                                         "against a CUDA LibTorch (see README, Building for CUDA)");
    }
    const int64_t count = compat::cuda_device_count();
    if (index >= count) {
      throw Error(ErrorCode::Device, "device '" + request + "' does not exist: " + std::to_string(count) +
                                         " CUDA device(s) visible");
    }
    return {torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index)),
            "cuda:" + std::to_string(index), false};
  }
  throw Error(ErrorCode::Config, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got '" + request + "'");
}

}  // namespace adx
