// oasis serve [SCENARIO...] [--port N]: the what-if planner in the browser (docs/serve.md). The
// scenarios are the territories offered; the page and the API are served on 127.0.0.1 unless
// --host says otherwise. Ctrl-C (or SIGTERM) stops the server.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "common.hpp"
#include "oasis/core/error.hpp"
#include "oasis/serve/server.hpp"

namespace fs = std::filesystem;

namespace oasis::cli {
namespace {

struct ServeFlags {
  std::vector<std::string> scenarios;
  std::string host = "127.0.0.1", data;
  int port = 8765;
};

/// The territories offered when none is named: the planner's Centre-Val de Loire and the régions
/// of the examples (relative to the repository, where the README's commands run).
const char* const kDefaultScenarios[] = {"scenarios/planner/centre-val-de-loire.toml", "scenarios/examples/auvergne-rhone-alpes.toml",
                                         "scenarios/examples/grand-est.toml", "scenarios/examples/nouvelle-aquitaine.toml"};

void run_serve(const ServeFlags& f, const GlobalFlags& g) {
  std::vector<fs::path> files(f.scenarios.begin(), f.scenarios.end());
  if (files.empty())
    for (const char* p : kDefaultScenarios)
      if (fs::exists(p)) files.emplace_back(p);
  if (files.empty())
    throw Error(Errc::usage, "oasis serve needs a scenario (none given, and scenarios/planner/ is not in this folder)", {}, {},
                "oasis serve scenarios/planner/centre-val-de-loire.toml, or run it from the repository");
  if (f.port < 0 || f.port > 65535) throw Error(Errc::usage, fmt::format("--port {}: give a port between 0 and 65535", f.port));
  runner::RunOptions opt;
  opt.data_dir = f.data;
  serve::Planner planner(files, opt);
  serve::Server server(planner, {f.host, f.port});
  // SIGINT and SIGTERM go to a thread that stops the server; the others never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const int port = server.bind();
  if (!g.quiet) {
    fmt::print("oasis serve: http://{}:{}/  ({} territories: ", f.host == "0.0.0.0" ? "127.0.0.1" : f.host, port, files.size());
    for (std::size_t i = 0; i < files.size(); ++i) fmt::print("{}{}", i ? ", " : "", planner.territories()[i]["id"].get<std::string>());
    fmt::print("); Ctrl-C stops it\n");
    std::fflush(stdout);
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
  });
  server.run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter when the server stopped by itself
  waiter.join();
}

}  // namespace

void register_serve(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<ServeFlags>();
  auto* sub = app.add_subcommand("serve", "The what-if planner in the browser: a local web server over served scenarios (docs/serve.md)");
  add_global_flags(*sub, g);
  sub->add_option("scenario", f->scenarios,
                  "Scenario files offered as territories (default: scenarios/planner/centre-val-de-loire.toml and the régions of "
                  "scenarios/examples)");
  sub->add_option("--port", f->port, "TCP port (default 8765; 0 = any free port, printed)");
  sub->add_option("--host", f->host, "Address to listen on (default 127.0.0.1: this machine only; docs/serve.md before changing it)");
  sub->add_option("--data", f->data, "Data directory (overrides data.dir; default $OASIS_DATA, else ../shared/geodata)");
  sub->callback([f, &g] { run_serve(*f, g); });
}

}  // namespace oasis::cli
