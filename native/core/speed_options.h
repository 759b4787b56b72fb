// The speed options of a run (README "Speed options"). Each one changes how a step is computed,
// never what it computes beyond float rounding (bf16 by design rounds more).
#pragma once

namespace adx {

// Where CUDA may compute fp32 as TensorFloat-32 (10-bit mantissa) on Ampere and newer GPUs.
// Convolutions is LibTorch's own default (cuDNN yes, cuBLAS no).
enum class Tf32 { Off, Convolutions, All };

// The option's value in the JS config: 'off' | 'convolutions' | 'all'.
inline const char* tf32_name(Tf32 t) {
  switch (t) {
    case Tf32::Off: return "off";
    case Tf32::All: return "all";
    default: return "convolutions";
  }
}

struct SpeedOptions {
  bool bf16 = false;             // bf16 autocast of the forward passes, fp32 islands (core/precision.h)
  bool channels_last = false;    // 4-D weights and inputs in NHWC memory order
  bool cudnn_benchmark = false;  // cuDNN autotuning of the convolution algorithms (CUDA only)
  bool pinned_memory = false;    // batches staged in page-locked host memory, copied asynchronously (CUDA only)
  bool device_augment = false;   // the uint8 batch goes to the device first; crop and flip run there
  bool multi_tensor = true;      // optimizer step, gradient clipping and EMA update as list operations, no host sync
  bool cuda_graphs = false;      // forward and backward passes captured once per step structure, replayed (CUDA only)
  Tf32 tf32 = Tf32::Convolutions;  // fp32 convolutions / also matmuls as TF32 (CUDA only, process-wide)
  bool gpu_only = false;         // bf16 and channels_last on CUDA only (the CUDA-only ones are off on the CPU anyway)
};

}  // namespace adx
