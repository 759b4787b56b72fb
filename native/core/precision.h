// Mixed precision (DECISIONS.md: fp32 by default, bf16 autocast as an option). A training step's
// forward passes run under Bf16Autocast, so LibTorch's autocast lists decide which ops go to bf16
// (convolutions, matmuls, linear layers); the parts the original forces to fp32 are Fp32Islands.
#pragma once

#include <c10/core/DispatchKeySet.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/types.h>

#include "core/compat.h"

namespace adx {

// bf16 autocast for `device`'s type while alive; the state before is restored afterwards, so
// scopes nest. A disabled scope changes nothing.
class Bf16Autocast {
 public:
  Bf16Autocast(const torch::Device& device, bool enabled) : type_(device.type()), enabled_(enabled) {
    if (!enabled_) return;
    was_enabled_ = compat::autocast_enabled(type_);
    was_dtype_ = compat::autocast_dtype(type_);
    compat::set_autocast(type_, true, at::kBFloat16);
    compat::autocast_enter();
  }
  ~Bf16Autocast() {
    if (!enabled_) return;
    compat::autocast_leave();
    compat::set_autocast(type_, was_enabled_, was_dtype_);
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  c10::DeviceType type_;
  bool enabled_;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kBFloat16;
};

// Autocast is off while alive: the attention logits and softmaxes of the mask generators, and
// every backward pass started inside a step (LibTorch's CPU backward runs on the calling thread
// and would otherwise re-cast the gradient matmuls). Inputs must be cast to fp32 by the caller.
// Outside an autocast region it changes nothing.
class Fp32Island {
 public:
  Fp32Island() = default;
  Fp32Island(const Fp32Island&) = delete;
  Fp32Island& operator=(const Fp32Island&) = delete;

 private:
  c10::impl::ExcludeDispatchKeyGuard no_autocast_{c10::autocast_dispatch_keyset};
};

}  // namespace adx
