#include "requests/request_handler.hpp"

#include <utility>

#include "requests/counter_reply.hpp"
#include "requests/process_counter_opener.hpp"
#include "requests/request_decoder.hpp"
#include "requests/target_process.hpp"

namespace sysring::broker::requests {
namespace {

using counters::perf::PerfEventSpec;

Reply refuse(std::string why) {
  Reply r;
  r.bytes = encode_error_reply(why);
  r.refusal = std::move(why);
  return r;
}

}  // namespace

RequestHandler::RequestHandler(RequestPolicy policy,
                               std::shared_ptr<counters::perf::PerfSyscalls> syscalls,
                               HandlerSettings settings)
    : policy_(std::move(policy)),
      syscalls_(std::move(syscalls)),
      settings_(std::move(settings)),
      ledger_(policy_.max_per_uid, policy_.max_total,
              [root = settings_.proc_root](pid_t pid) { return target_start_ticks(root, pid); }) {}

Reply RequestHandler::handle(const Caller& caller, std::span<const std::uint8_t> bytes) {
  // 1. The message.
  const DecodedRequest decoded = decode_counter_request(bytes);
  if (!decoded.ok) return refuse(decoded.error);
  const CounterRequest& request = decoded.request;
  // 2. The caller.
  if (!caller_allowed(policy_, caller.uid, caller.gid, settings_.passwd_file,
                      settings_.group_file)) {
    return refuse(policy_.allow == Allow::kNone
                      ? std::string("refused: this broker serves no per-process counters "
                                    "(allow = none)")
                      : "refused: uid " + std::to_string(caller.uid) + " is not in group " +
                            policy_.group_name + " (allow = group " + policy_.group_name + ")");
  }
  // 3. The events.
  std::vector<PerfEventSpec> events;
  events.reserve(request.events.size());
  for (const std::string& name : request.events) {
    PerfEventSpec spec;
    std::string error;
    if (!counters::perf::resolve_perf_event(name, spec, error)) return refuse(error);
    if (!event_allowed(policy_, spec)) {
      return refuse("refused: event \"" + name + "\" is not in this broker's events list");
    }
    events.push_back(std::move(spec));
  }
  // 4. Kernel mode.
  if (request.kernel && !policy_.kernel) {
    return refuse("refused: kernel-mode counting is not allowed here (kernel = no)");
  }
  // 5. and 6. The target.
  const pid_t pid = request.pid == 0 ? caller.pid : static_cast<pid_t>(request.pid);
  const TargetRead before = read_target_process(settings_.proc_root, pid);
  if (!before.ok) return refuse("refused: " + before.error);
  if (std::string problem = ownership_problem(before.target, caller.uid, caller.gid);
      !problem.empty()) {
    return refuse("refused: " + problem);
  }
  // 7. Quotas.
  const auto count = static_cast<std::uint32_t>(events.size());
  if (std::string problem = ledger_.check(caller.uid, count); !problem.empty()) {
    return refuse("refused: " + problem);
  }
  // 8. The open.
  const ProcessCounterFlags flags{.inherit = request.inherit,
                                  .enable_on_exec = request.enable_on_exec,
                                  .kernel = request.kernel};
  OpenedCounters opened = open_process_counters(*syscalls_, pid, events, flags);
  if (!opened.error.empty()) return refuse(opened.error);
  // 9. The same process, still the caller's (an execve of a setuid program in between).
  const TargetRead after = read_target_process(settings_.proc_root, pid);
  std::string problem;
  if (!after.ok) {
    problem = after.error;
  } else if (after.target.start_ticks != before.target.start_ticks) {
    problem = "pid " + std::to_string(pid) + " was replaced by another process";
  } else {
    problem = ownership_problem(after.target, caller.uid, caller.gid);
  }
  if (!problem.empty()) {
    close_counters(*syscalls_, opened.fds);
    return refuse("refused: " + problem + " (after the open)");
  }
  // 10. Granted.
  std::vector<GrantedCounterInfo> granted;
  granted.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    granted.push_back({request.events[i], events[i].type, events[i].config,
                       request.kernel && !events[i].exclude_kernel});
  }
  ledger_.record(caller.uid, pid, before.target.start_ticks, count);
  Reply reply;
  reply.bytes = encode_counters_reply(granted);
  reply.fds = std::move(opened.fds);
  return reply;
}

void RequestHandler::release(Reply& reply) {
  close_counters(*syscalls_, reply.fds);
}

}  // namespace sysring::broker::requests
