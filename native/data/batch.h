// A batch as it crosses from JavaScript: uint8 images in NHWC order and int32 labels, borrowed
// (not owned) from typed arrays that JS keeps alive until the job settles.
#pragma once

#include <cstdint>

namespace adx {

struct HostBatch {
  const uint8_t* images = nullptr;
  const int32_t* labels = nullptr;
  int64_t n = 0, h = 0, w = 0, c = 0;
};

}  // namespace adx
