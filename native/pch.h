// Precompiled header: LibTorch's headers dominate every translation unit's compile time.
#pragma once
#include <torch/torch.h>
