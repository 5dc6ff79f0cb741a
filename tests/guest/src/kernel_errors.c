// SPDX-License-Identifier: MIT
/*
 * kernel_errors.c - guest-test-kernel-errors: what a user is told when a
 * kernel device cannot be used, on the real kernel (the rig guest, as root).
 *
 *  - a device with no driver (ICH9 SMBus 00:1f.3 in the rig: unbound);
 *  - a device bound to another driver (ICH9 AHCI 00:1f.2 on ahci), and
 *  - a group that is not viable (00:1f.3 bound to vfio-pci while 00:1f.2 of
 *    the same IOMMU group is on ahci): both need the ahci module packed into
 *    the guest (RIG_EXTRA_MODULES=ahci); without it they are skipped;
 *  - /dev/vfio/vfio missing (renamed for the test; as when the vfio modules
 *    are not loaded);
 *  - /dev/vfio/N not accessible (the open is made as user nobody);
 *  - no interrupt remapping (EPERM), only in a boot without it;
 *  - the PCI driver model reporting an explicit device it cannot open.
 *
 * Every check asserts on the words of uvfio_last_error(), not on an errno.
 * The guest is put back as it was found.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest.h"
#include "uvfio/driver.h"

static const char *ICH9_AHCI = "0000:00:1f.2";
static const char *ICH9_SMBUS = "0000:00:1f.3";

/* try_open() - open @where in a fresh container; the error message or "". */
static int try_open(const char *where, char *msg, size_t len)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	int ret;

	msg[0] = '\0';
	ret = uvfio_container_create(&c);
	if (ret)
		return ret;
	ret = uvfio_device_open(c, where, &d);
	if (ret)
		snprintf(msg, len, "%s", uvfio_last_error());
	else
		uvfio_device_close(d);
	uvfio_container_destroy(c);
	return ret;
}

static void expect(const char *what, const char *where, const char *const *words)
{
	const char *missing;
	char msg[1024];
	int ret = try_open(where, msg, sizeof(msg));
	bool ok = has_words(msg, words, &missing);

	check(ret < 0 && ok, "%s: %s -> %d: \"%s\"%s%s", what, where, ret, msg,
	      missing[0] ? " LACKS " : "", missing);
}

/* insmod_packed() - load a module the rig packed (RIG_EXTRA_MODULES); 0 or -ENOENT. */
static int insmod_packed(const char *name)
{
	char path[128];
	char line[256];
	char cmd[512];
	FILE *f;

	snprintf(path, sizeof(path), "/rig/deps/%s.list", name);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(cmd, sizeof(cmd), "insmod /lib/modules/%s 2>/dev/null", line);
		if (system(cmd) != 0)
			info("%s: not loaded (or already)", line);
	}
	fclose(f);
	return 0;
}

static void test_host_driver(void)
{
	char drv[64];

	if (access("/sys/bus/pci/devices/0000:00:1f.2", F_OK)) {
		skip("bound-to-another-driver and non-viable group: no ICH9 00:1f.* in this guest");
		return;
	}
	sysfs_driver(ICH9_AHCI, drv, sizeof(drv));
	if (strcmp(drv, "ahci") && insmod_packed("ahci")) {
		skip("device bound to another driver, non-viable group: they need a host driver in "
		     "the ICH9 IOMMU group; pack ahci into the guest with RIG_EXTRA_MODULES=ahci");
		return;
	}
	if (strcmp(drv, "ahci") && bind_pci(ICH9_AHCI, "ahci")) {
		check(false, "bind %s to ahci", ICH9_AHCI);
		return;
	}
	expect("bound to another driver", ICH9_AHCI,
	       (const char *const[]){
		       "0000:00:1f.2 is not bound to vfio-pci", "it is bound to ahci",
		       "echo vfio-pci > /sys/bus/pci/devices/0000:00:1f.2/driver_override",
		       "echo 0000:00:1f.2 > /sys/bus/pci/devices/0000:00:1f.2/driver/unbind",
		       "echo 0000:00:1f.2 > /sys/bus/pci/drivers_probe", NULL});

	/* 00:1f.3 on vfio-pci, 00:1f.2 of its group on ahci: not viable. */
	if (!check(bind_pci(ICH9_SMBUS, "vfio-pci") == 0, "bind %s to vfio-pci", ICH9_SMBUS))
		return;
	expect("non-viable group", ICH9_SMBUS,
	       (const char *const[]){"is not viable", "0000:00:1f.2", "ahci",
				     "/sys/kernel/iommu_groups/", NULL});
	bind_pci(ICH9_SMBUS, "");
}

static void test_no_driver(void)
{
	char drv[64];

	if (access("/sys/bus/pci/devices/0000:00:1f.3", F_OK)) {
		skip("device with no driver: no 00:1f.3 in this guest");
		return;
	}
	sysfs_driver(ICH9_SMBUS, drv, sizeof(drv));
	if (drv[0] && bind_pci(ICH9_SMBUS, "")) {
		check(false, "unbind %s from %s", ICH9_SMBUS, drv);
		return;
	}
	expect("no driver", "00:1f.3",
	       (const char *const[]){"0000:00:1f.3 is not bound to vfio-pci", "it has no driver",
				     "driver_override", "drivers_probe", NULL});
	expect("no such device", "0000:00:09.0",
	       (const char *const[]){"no PCI device 0000:00:09.0", NULL});
}

static void test_no_container_node(const char *edu)
{
	const char *node = "/dev/vfio/vfio";
	const char *hidden = "/dev/vfio/.vfio-hidden-by-uvfio-test";

	if (rename(node, hidden)) {
		skip("missing /dev/vfio/vfio: cannot rename it: %s", strerror(errno));
		return;
	}
	expect("missing /dev/vfio/vfio", edu,
	       (const char *const[]){"/dev/vfio/vfio does not exist", "vfio modules are not loaded",
				     "modprobe vfio-pci", NULL});
	if (rename(hidden, node))
		check(false, "put /dev/vfio/vfio back: %s", strerror(errno));
}

/* As user nobody, /dev/vfio/N (root 0600) cannot be opened. */
static void test_group_permission(const char *edu)
{
	int pfd[2];
	char msg[1024] = "";
	pid_t pid;
	int status;
	ssize_t n;
	const char *missing;
	bool ok;

	if (pipe(pfd)) {
		skip("group permissions: no pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		char m[1024];
		int ret;

		close(pfd[0]);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		ret = try_open(edu, m, sizeof(m));
		if (!ret)
			snprintf(m, sizeof(m), "(opened)");
		n = write(pfd[1], m, strlen(m));
		_exit(n < 0 ? 3 : 0);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	ok = has_words(msg,
		       (const char *const[]){"is not accessible", "permission denied", "root",
					     "chown", NULL},
		       &missing);
	check(ok, "group node not accessible as nobody: \"%s\"%s%s", msg,
	      missing[0] ? " LACKS " : "", missing);
}

/*
 * Without interrupt remapping, type1 refuses the group (EPERM).  The rig
 * enables remapping by default, so this only runs in a boot made with
 * GUEST_RIG_OPTS="-I caching-mode=on,intremap=off".
 */
static void test_no_intremap(const char *edu)
{
	const char *const words[] = {"no interrupt remapping", "vfio_iommu_type1",
				     "allow_unsafe_interrupts", NULL};
	const char *missing;
	char msg[1024];
	int ret = try_open(edu, msg, sizeof(msg));
	bool ok = has_words(msg, words, &missing);

	if (ret != -EPERM) {
		skip("missing interrupt remapping: this boot has it (run the rig with "
		     "-I caching-mode=on,intremap=off to check the EPERM message)");
		return;
	}
	check(ok, "no interrupt remapping: %s -> %d: \"%s\"%s%s", edu, ret, msg,
	      missing[0] ? " LACKS " : "", missing);
}

static const struct uvfio_pci_device_id any_edu[] = {
	{UVFIO_PCI_DEVICE(0x1234, 0x11e8)},
	{0},
};

static int never_probe(struct uvfio_pci_dev *p, const struct uvfio_pci_device_id *id)
{
	(void)p;
	(void)id;
	return -EINVAL;
}

static const struct uvfio_pci_driver nobody_driver = {
	.name = "errors-test",
	.id_table = any_edu,
	.probe = never_probe,
};

static void test_driver_model_message(void)
{
	struct uvfio_container *c;
	struct uvfio_pci_bus *bus;
	const char *missing;
	bool ok;
	int ret;

	if (uvfio_container_create(&c))
		return;
	/* An explicit device nobody bound to vfio-pci: its open's explanation comes back. */
	ret = uvfio_pci_bus_create(c, NULL, "0000:00:1f.3", &bus);
	if (ret == 0) {
		/* 1f.3 is not edu: no match, nothing opened. */
		ret = uvfio_pci_bus_register(bus, &nobody_driver);
		check(ret == 0, "driver model: 00:1f.3 does not match an edu id table (%d)", ret);
		uvfio_pci_bus_destroy(bus);
	}
	ret = uvfio_pci_bus_create(c, NULL, "00:1f.3 unix:/nonexistent/uvfio.sock", &bus);
	if (ret == 0) {
		ret = uvfio_pci_bus_register(bus, &nobody_driver);
		ok = has_words(uvfio_last_error(),
			       (const char *const[]){"/nonexistent/uvfio.sock", NULL}, &missing);
		check(ret < 0 && ok,
		      "driver model: an unreachable vfio-user candidate is explained: %d \"%s\"",
		      ret, uvfio_last_error());
		uvfio_pci_bus_destroy(bus);
	}
	uvfio_container_destroy(c);
}

int main(void)
{
	char edu[32];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("guest-test-kernel-errors: the messages a user meets, on the real kernel\n");
	if (getuid() != 0) {
		skip("not root: these checks rebind devices");
		return finish();
	}
	if (find_pci(0x1234, 0x11e8, edu, sizeof(edu))) {
		check(false, "an edu device in the guest");
		return finish();
	}
	test_no_intremap(edu);
	test_no_driver();
	test_host_driver();
	test_no_container_node(edu);
	test_group_permission(edu);
	test_driver_model_message();
	return finish();
}
