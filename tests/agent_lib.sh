# Shared by the tests that run skiff-agent on the host (sourced after
# lib.sh): a busybox image in a local registry, and the cleanup of agents,
# their containers and their mounts. Uses T_DIR, REG_PORT and IMAGE.

# Agents, their workers and container processes, then their mounts.
agent_cleanup() {
	local p r
	t_cleanup
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null)
		if [[ $r == "$T_DIR"/* ]] || tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "--data $T_DIR"; then
			kill -9 "${p#/proc/}" 2>/dev/null
		fi
	done
	sleep 0.3
	grep -o " $T_DIR/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
}

wait_registry() { until_true 10 curl -sf http://127.0.0.1:$REG_PORT/v2/; }

# A busybox image, one layer, pushed to a local registry.
make_image() {
	local d=$T_DIR/img
	mkdir -p "$d/root/bin" "$d/root/www" "$d/registry"
	cp "$(command -v busybox)" "$d/root/bin/busybox"
	for a in sh sleep cat echo httpd ls true false; do ln -s busybox "$d/root/bin/$a"; done
	echo hello-from-skiff >"$d/root/www/index.html"
	cat >"$d/reg.yml" <<EOR
version: 0.1
storage: {filesystem: {rootdirectory: $d/registry}}
http: {addr: 127.0.0.1:$REG_PORT}
EOR
	docker-registry serve "$d/reg.yml" >"$d/registry.log" 2>&1 &
	T_PIDS+=($!)
	(cd "$d" && umoci init --layout oci && umoci new --image oci:bb &&
		umoci unpack --image oci:bb bundle && cp -a root/. bundle/rootfs/ &&
		umoci repack --image oci:bb bundle &&
		umoci config --image oci:bb --config.cmd=/bin/sh --config.env=PATH=/bin) >"$d/umoci.log" 2>&1 &&
		wait_registry &&
		skopeo copy --dest-tls-verify=false oci:"$d/oci:bb" docker://$IMAGE >"$d/skopeo.log" 2>&1
}
