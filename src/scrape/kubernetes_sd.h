// Kubernetes pod discovery (kubernetes-sd-configs, role pod), with
// Prometheus's target model and __meta_kubernetes_* labels, so that its
// relabeling recipes apply.
//
// It lists the pods (GET /api/v1/pods, or /api/v1/namespaces/NS/pods per
// namespace, with the label selector), then, in a running scrape, watches
// them (?watch=1&resourceVersion=...) on a thread of its own, applying
// ADDED, MODIFIED and DELETED events; after any watch error or end it lists
// again and watches anew. A `--once` pass lists only.
//
// Fields read from a pod: metadata.name, namespace, uid, labels,
// annotations and the controller ownerReference's kind and name;
// spec.nodeName and spec.containers[].name and .ports[] (name,
// containerPort, protocol); status.podIP, hostIP, phase and the Ready
// condition. A pod without a podIP has no target. Each container port is a
// target podIP:port; a container without ports, one target podIP.
//
// Labels: __meta_kubernetes_namespace, _pod_name, _pod_uid, _pod_ip,
// _pod_host_ip, _pod_node_name, _pod_phase, _pod_ready, _pod_label_<name>
// and _pod_labelpresent_<name>, _pod_annotation_<name> and
// _pod_annotationpresent_<name> (names with every character other than
// letters, digits and _ made _), _pod_container_name,
// _pod_container_port_name, _pod_container_port_number,
// _pod_container_port_protocol, _pod_controller_kind and _name.
//
// Thread-safe: Groups() and generation() may be called while the watch runs.
#ifndef CPROF_SCRAPE_KUBERNETES_SD_H_
#define CPROF_SCRAPE_KUBERNETES_SD_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "scrape/config.h"

namespace cprof::scrape {

// The target groups of one pod (one a target), from its JSON object.
Result<std::vector<TargetGroup>> PodTargets(std::string_view pod_json);

class KubernetesPods {
 public:
  explicit KubernetesPods(KubernetesSdConfig config);
  ~KubernetesPods();  // stops the watch
  KubernetesPods(const KubernetesPods&) = delete;
  KubernetesPods& operator=(const KubernetesPods&) = delete;

  // The targets of the pods known now. The first call lists the pods (an
  // error is logged, and there are none); with `watch`, it also starts the
  // watch, which keeps them current from then on.
  std::vector<TargetGroup> Groups(bool watch);

  // Counts the changes to the pods: a caller compares it to see whether
  // Groups() changed.
  uint64_t generation() const { return generation_.load(); }

 private:
  struct Source;  // one list/watch path (a namespace, or all)
  // Lists the pods of `path`; replaces its pods.
  Status List(Source& source);
  // Watches `source` from its resource version until it ends.
  Status Watch(Source& source);
  // Watches `source`, listing again after each end, until stop_.
  void Run(Source& source);

  const KubernetesSdConfig config_;
  std::vector<std::unique_ptr<Source>> sources_;
  mutable std::mutex mu_;  // guards the sources' pods
  std::atomic<uint64_t> generation_ = 0;
  std::atomic<bool> stop_ = false;
  bool listed_ = false;
  std::vector<std::thread> watchers_;  // one a source
};

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_KUBERNETES_SD_H_
