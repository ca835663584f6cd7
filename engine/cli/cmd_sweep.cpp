// oasis sweep FILE -o DIR: a sweep of scenarios on dask.distributed (docs/sweeps.md). The file is
// validated here; the tasks are scheduled by the Python package (oasis.sweeps), which this command
// runs with the options as JSON: one engine, one scheduler, the same bytes from either front end.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "oasis/core/error.hpp"
#include "oasis/sweep/sweep.hpp"

namespace fs = std::filesystem;

namespace oasis::cli {
namespace {

struct SweepFlags {
  std::string file, scheduler, data;
  int workers = 0;
  bool check = false, schema = false;
};

/// The folder holding the package `oasis`: beside the binary in a build tree (build/release/python),
/// else none (an installed package is found by Python itself).
fs::path python_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto dir = exe.parent_path().parent_path() / "python";
  return fs::exists(dir / "oasis" / "sweeps.py", ec) ? dir : fs::path();
}

void run_sweep(const SweepFlags& f, const GlobalFlags& g) {
  if (f.schema) {
    std::fputs(sweep::schema_markdown().c_str(), stdout);
    return;
  }
  if (f.file.empty()) throw Error(Errc::usage, "oasis sweep needs a sweep file", {}, {}, "oasis sweep FILE.toml -o DIR (docs/sweeps.md)");
  const auto spec = sweep::load(f.file);  // the file's errors now, before any worker starts
  if (f.check) {
    if (!g.quiet)
      fmt::print("{}: valid; {} grid points x {} draws = {} tasks on {}\n", f.file, spec.points(), spec.mc.draws, spec.tasks(),
                 spec.scenario.filename().string());
    return;
  }
  if (g.output.empty()) throw Error(Errc::usage, "oasis sweep needs -o DIR", {}, {}, "oasis sweep FILE.toml -o DIR");
  if (f.workers < 0) throw Error(Errc::usage, fmt::format("--workers {}: give a whole number of 1 or more", f.workers));
  const nlohmann::json opts{{"file", fs::absolute(f.file).string()},
                            {"out_dir", fs::absolute(g.output).string()},
                            {"scheduler", f.scheduler},
                            {"workers", f.workers},
                            {"overwrite", g.overwrite},
                            {"data", f.data},
                            {"quiet", g.quiet}};
  if (const auto dir = python_dir(); !dir.empty()) {
    const char* old = std::getenv("PYTHONPATH");
    const auto path = old && *old ? dir.string() + ":" + old : dir.string();
    ::setenv("PYTHONPATH", path.c_str(), 1);
  }
  const char* env_python = std::getenv("OASIS_PYTHON");
  const std::string python = env_python && *env_python ? env_python : OASIS_PYTHON_EXECUTABLE;
  const std::string arg = opts.dump();
  std::fflush(stdout);
  ::execl(python.c_str(), python.c_str(), "-m", "oasis.sweeps", arg.c_str(), static_cast<char*>(nullptr));
  throw Error(Errc::io, fmt::format("cannot start {} for the sweep's scheduler", python), python, {},
              "install python3 and python3-distributed (bash .ci/setup main), or set OASIS_PYTHON to a Python 3 with them");
}

}  // namespace

void register_sweep(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<SweepFlags>();
  auto* sub = app.add_subcommand("sweep", "A grid or Monte Carlo of scenarios on dask.distributed, aggregated (docs/sweeps.md)");
  add_global_flags(*sub, g);
  sub->add_option("file", f->file, "Sweep file (TOML), e.g. scenarios/sweeps/cvl-departures.toml");
  sub->add_option("--scheduler", f->scheduler, "Address of a running Dask scheduler (tcp://host:8786); default: a LocalCluster");
  sub->add_option("--workers", f->workers, "Worker processes of the LocalCluster (default: the machine's cores)");
  sub->add_option("--data", f->data, "Data directory (overrides data.dir; default $OASIS_DATA, else ../shared/geodata)");
  sub->add_flag("--check", f->check, "Validate the sweep file (and every grid value) and print its task count");
  sub->add_flag("--schema", f->schema, "Print the sweep file's keys as a Markdown table (docs/sweeps.md)");
  sub->callback([f, &g] { run_sweep(*f, g); });
}

}  // namespace oasis::cli
