// Replays fuzz inputs without libFuzzer: runs the target's LLVMFuzzerTestOneInput over every file
// of the directories (or files) named on the command line, in sorted order. Built into every
// ordinary build so the seeds and regression inputs run as ctests under gcc and ASan.
// Exit status: 0 when every input ran; 1 on a usage or read error or when there was no input
// (a crash ends the process).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The regular files named or held (one level deep) by `arg`; a missing path holds none, so a
// target without regression inputs yet replays its seeds only.
std::vector<fs::path> inputs_of(const fs::path& arg) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) return {arg};
  if (!fs::is_directory(arg, ec)) return files;
  for (const fs::directory_entry& e : fs::directory_iterator(arg, ec)) {
    if (e.is_regular_file(ec)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool read_file(const fs::path& path, std::vector<std::uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 1;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::size_t ran = 0;
  std::vector<std::uint8_t> bytes;
  for (int i = 1; i < argc; ++i) {
    for (const fs::path& file : inputs_of(argv[i])) {
      if (!read_file(file, bytes)) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return 1;
      }
      // A copy of exactly the input's size, so ASan sees a read one byte past its end.
      const std::vector<std::uint8_t> input(bytes);
      LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
      ++ran;
    }
  }
  std::printf("replayed %zu inputs\n", ran);
  return ran == 0 ? 1 : 0;  // no input at all: a wrong path, not a pass
}
