// Loading a torchvision state dict (converted to safetensors) into a backbone and its heads. A
// run's own weights come here renamed to torchvision's names (lib/export/torchvision.ts,
// pretrainedState).
// Backbone keys load under their own names; torchvision's classifier (fc.*, head.*,
// classifier.2.*) goes to every given head, or is skipped for fine-tuning on other classes.
// Everything is checked before anything is written: missing keys, unexpected keys and shape
// mismatches are listed by name in one E_SHAPE error, and a failed load changes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/host_tensor.h"
#include "models/backbone.h"
#include "models/classifier.h"

namespace adx {

struct PretrainedReport {
  int64_t loaded = 0;                 // tensors written (a classifier tensor counts once)
  std::vector<std::string> skipped;   // classifier tensors left out on request
  std::vector<std::string> defaulted; // derivable buffers the file lacked (num_batches_tracked, ...)
};

PretrainedReport load_pretrained(BackboneImpl& backbone, const std::vector<LinearHeadImpl*>& heads,
                                 const std::vector<HostTensor>& tensors, bool skip_classifier);

}  // namespace adx
