// fmixGrey(): FMix's low-frequency image on its own, for tests (its spectrum's decay) and plots.
#pragma once

#include <napi.h>

namespace adx::node {

// fmixGrey(height, width, decay, seed) → Float32Array [height·width], row-major, in [0, 1].
Napi::Value fmix_grey(const Napi::CallbackInfo& info);

}  // namespace adx::node
