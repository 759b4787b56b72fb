#include "core/cpu_block_cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

namespace adx {

namespace {

// Blocks below this size stay with the C library, which handles them well from any arena.
constexpr size_t kMinCachedBytes = size_t{128} << 10;
constexpr size_t kBlockGranule = size_t{4} << 10;
constexpr size_t kAlignment = 64;  // c10's own CPU alignment (SIMD loads, oneDNN)
// A cached block may serve a request up to 1/8 smaller than itself (a last, shorter batch).
constexpr size_t kMaxSlackDivisor = 8;

size_t round_up(size_t n) { return (n + kBlockGranule - 1) / kBlockGranule * kBlockGranule; }

void* system_alloc(size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, n) != 0) return nullptr;
  return p;
}

size_t default_idle_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return size_t{2} << 30;
  return static_cast<size_t>(pages) * static_cast<size_t>(page_size) / 4;
}

// ADX_CPU_CACHE_MB: the idle bound in MiB; unset or unreadable means the default.
size_t idle_limit_from_env() {
  const char* text = std::getenv("ADX_CPU_CACHE_MB");
  if (text == nullptr || *text == '\0') return default_idle_limit();
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') return default_idle_limit();
  return static_cast<size_t>(mb) << 20;
}

class BlockCache {
 public:
  explicit BlockCache(size_t idle_limit) : idle_limit_(idle_limit) {}

  void* take(size_t n) {
    const size_t size = round_up(n);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = idle_.lower_bound(size);
      if (it != idle_.end() && it->first <= size + size / kMaxSlackDivisor) {
        void* p = it->second;
        live_[p] = it->first;
        idle_bytes_ -= it->first;
        live_bytes_ += it->first;
        idle_.erase(it);
        ++reused_;
        return p;
      }
    }
    void* p = system_alloc(size);
    if (p == nullptr) {
      // Idle blocks of other sizes may be what stands between us and the request.
      release();
      p = system_alloc(size);
    }
    if (p == nullptr) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    live_[p] = size;
    live_bytes_ += size;
    ++fresh_;
    return p;
  }

  // Returns false when p is not a cached-size block (then the caller frees it).
  bool give_back(void* p) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(p);
    if (it == live_.end()) return false;
    const size_t size = it->second;
    live_.erase(it);
    live_bytes_ -= size;
    if (idle_bytes_ + size <= idle_limit_) {
      idle_.emplace(size, p);
      idle_bytes_ += size;
    } else {
      std::free(p);
    }
    return true;
  }

  void release() {
    std::multimap<size_t, void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(idle_);
      idle_bytes_ = 0;
    }
    for (auto& [size, p] : blocks) std::free(p);
  }

  CpuBlockCacheStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    CpuBlockCacheStats s;
    s.installed = true;
    s.idle_limit_bytes = idle_limit_;
    s.idle_bytes = idle_bytes_;
    s.live_bytes = live_bytes_;
    s.reused = reused_;
    s.fresh = fresh_;
    return s;
  }

 private:
  const size_t idle_limit_;
  std::mutex mutex_;
  std::multimap<size_t, void*> idle_;       // size -> block, for best fit
  std::unordered_map<void*, size_t> live_;  // block -> its size
  size_t idle_bytes_ = 0;
  size_t live_bytes_ = 0;
  uint64_t reused_ = 0;
  uint64_t fresh_ = 0;
};

BlockCache* g_cache = nullptr;  // leaked on purpose: tensors may be freed during process exit

void free_small(void* p) { std::free(p); }

void free_cached(void* p) {
  if (!g_cache->give_back(p)) std::free(p);
}

// c10::Allocator's allocate() is const in LibTorch 1.13 and non-const from 2.3, which also adds a
// pure copy_data(). Declaring both allocate overloads and copy_data without `override` makes the
// class concrete under either, with no version test.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const { return make(n); }
  c10::DataPtr allocate(size_t n) { return make(n); }
  c10::DeleterFnPtr raw_deleter() const { return &free_cached; }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

 private:
  static c10::DataPtr make(size_t n) {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n == 0) return {nullptr, nullptr, &free_small, cpu};
    if (n < kMinCachedBytes) {
      void* p = system_alloc(n);
      TORCH_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", n, " bytes");
      return {p, p, &free_small, cpu};
    }
    void* p = g_cache->take(n);
    TORCH_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", n, " bytes");
    return {p, p, &free_cached, cpu};
  }
};

std::once_flag g_install_once;
bool g_installed = false;

}  // namespace

bool install_cpu_block_cache() {
  std::call_once(g_install_once, [] {
    const size_t limit = idle_limit_from_env();
    if (limit == 0) return;
    g_cache = new BlockCache(limit);
    // Priority above the default allocator's, so no later default registration replaces it.
    c10::SetCPUAllocator(new CachingCpuAllocator(), /*priority=*/1);
    g_installed = true;
  });
  return g_installed;
}

void release_cpu_block_cache() {
  if (g_cache != nullptr) g_cache->release();
}

CpuBlockCacheStats cpu_block_cache_stats() { return g_cache != nullptr ? g_cache->stats() : CpuBlockCacheStats{}; }

}  // namespace adx
