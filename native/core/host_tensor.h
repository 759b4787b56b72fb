// A named tensor on the host as float32, the form in which weights cross to and from TypeScript
// (safetensors files are read and written there).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace adx {

struct HostTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

}  // namespace adx
