#include "models/pretrained.h"

#include <torch/torch.h>

#include <map>
#include <unordered_map>

#include "core/errors.h"

namespace adx {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Buffers that a converter may drop without losing anything: BN's batch counter (only used
// with momentum None) and Swin's relative position index (a function of the window size).
bool derivable(const std::string& name) {
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with("num_batches_tracked") || ends_with("relative_position_index");
}

std::string listed(const std::string& what, const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string s = what + " (" + std::to_string(names.size()) + "): ";
  for (size_t i = 0; i < names.size() && i < 12; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 12) s += ", …";
  return s + ". ";
}

void copy_into(const torch::Tensor& target, const HostTensor& source) {
  auto host = torch::from_blob(const_cast<float*>(source.values.data()), source.shape, torch::kFloat32);
  target.copy_(host.to(target.device(), target.scalar_type()));
}

bool starts_with(const std::string& name, const std::string& prefix) { return name.rfind(prefix, 0) == 0; }

}  // namespace

PretrainedReport load_pretrained(BackboneImpl& backbone, const std::vector<LinearHeadImpl*>& heads,
                                 const std::vector<HostTensor>& tensors, bool skip_classifier) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : backbone.named_parameters()) targets.emplace(p.key(), p.value());
  for (const auto& b : backbone.named_buffers()) targets.emplace(b.key(), b.value());
  const std::string classifier = backbone.classifier_key() + ".";
  const bool load_classifier = !skip_classifier && !heads.empty();
  if (load_classifier) {
    for (const auto& p : heads.front()->fc->named_parameters()) targets.emplace(classifier + p.key(), p.value());
  }

  PretrainedReport report;
  std::vector<std::string> unexpected, mismatched, missing;
  std::unordered_map<std::string, const HostTensor*> by_name;
  for (const auto& tensor : tensors) {
    const std::string& name = tensor.name;
    const HostTensor* t = &tensor;
    if (!by_name.emplace(name, t).second) throw Error(ErrorCode::Shape, "the weights hold '" + name + "' twice");
    auto found = targets.find(name);
    if (found == targets.end()) {
      if (starts_with(name, classifier) && !load_classifier) {
        report.skipped.push_back(name);
      } else {
        unexpected.push_back(name);
      }
      continue;
    }
    if (found->second.sizes().vec() != t->shape) {
      mismatched.push_back(name + " " + shape_text(t->shape) + " vs the model's " + shape_text(found->second.sizes().vec()));
    }
  }
  for (const auto& [name, _] : targets) {
    if (by_name.count(name)) continue;
    if (derivable(name)) {
      report.defaulted.push_back(name);
    } else {
      missing.push_back(name);
    }
  }
  bool classifier_mismatch = false;
  for (const auto& m : mismatched) classifier_mismatch = classifier_mismatch || m.rfind(classifier, 0) == 0;
  if (!unexpected.empty() || !mismatched.empty() || !missing.empty()) {
    throw Error(ErrorCode::Shape, "the pretrained weights do not fit this model. " + listed("Missing", missing) +
                                      listed("Unexpected", unexpected) + listed("Shape mismatches", mismatched) +
                                      (classifier_mismatch ? "To fine-tune on another number of classes, skip the classifier." : ""));
  }

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    auto it = by_name.find(name);
    if (it == by_name.end()) continue;
    if (name.rfind(classifier, 0) == 0 && load_classifier) {
      const auto key = name.substr(classifier.size());
      for (auto* head : heads) copy_into(head->fc->named_parameters()[key], *it->second);
    } else {
      copy_into(target, *it->second);
    }
    ++report.loaded;
  }
  return report;
}

}  // namespace adx
