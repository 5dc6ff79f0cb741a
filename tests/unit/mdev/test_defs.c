// SPDX-License-Identifier: MIT
/*
 * tests/unit/mdev/test_defs.c - daemon/defs.c, the persistent definitions
 * shared by uvfiod and uvfioctl: mdevctl's layout and format
 * (linux-vfio.md §6.3), validation of what is read back, malformed files
 * skipped.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defs.h"
#include "test.h"

static char dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/uvfio-defs-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(def_valid_name("mtty-2"));
	assert_true(def_valid_name("a.b_c"));
	assert_false(def_valid_name(""));
	assert_false(def_valid_name(".."));
	assert_false(def_valid_name("-x"));
	assert_false(def_valid_name("a/b"));
	assert_true(def_valid_uuid("01234567-89ab-cdef-0123-456789ABCDEF"));
	assert_false(def_valid_uuid("01234567-89ab-cdef-0123-456789abcde"));
	assert_false(def_valid_uuid("01234567x89ab-cdef-0123-456789abcdef"));
	assert_false(def_valid_uuid("g1234567-89ab-cdef-0123-456789abcdef"));
	assert_false(def_valid_uuid(NULL));
}

static void test_save_load_remove(void **state)
{
	struct uvfio_def d = {
		.uuid = "01234567-89ab-cdef-0123-456789abcdef",
		.parent = "mtty",
		.mdev_type = "mtty-2",
		.autostart = true,
		.owner = "alice",
	};
	struct uvfio_def back;
	json_object *a = json_object_new_object();
	char path[256];
	struct stat st;

	(void)state;
	d.attrs = json_object_new_array();
	json_object_object_add(a, "speed", json_object_new_string("fast"));
	json_object_array_add(d.attrs, a);
	assert_int_equal(def_save(dir, &d), 0);
	snprintf(path, sizeof(path), "%s/mtty/%s", dir, d.uuid);
	assert_int_equal(stat(path, &st), 0);
	/* Upper case finds it too. */
	assert_int_equal(def_load(dir, "01234567-89AB-CDEF-0123-456789ABCDEF", &back), 0);
	assert_string_equal(back.uuid, d.uuid);
	assert_string_equal(back.parent, "mtty");
	assert_string_equal(back.mdev_type, "mtty-2");
	assert_true(back.autostart);
	assert_string_equal(back.owner, "alice");
	assert_int_equal(json_object_array_length(back.attrs), 1);
	def_clear(&back);
	assert_int_equal(def_remove(dir, d.uuid), 0);
	assert_int_equal(def_remove(dir, d.uuid), -ENOENT);
	assert_int_equal(def_load(dir, d.uuid, &back), -ENOENT);
	/* Names that would escape the directory are refused. */
	snprintf(d.parent, sizeof(d.parent), "..");
	assert_int_equal(def_save(dir, &d), -EINVAL);
	def_clear(&d);
}

/* mdevctl's own files (no owner) read fine; malformed ones are skipped by list. */
static void test_list_and_malformed(void **state)
{
	struct uvfio_def *defs;
	struct uvfio_def one;
	char p[256];
	int n;

	(void)state;
	snprintf(p, sizeof(p), "%s/edu", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/mtty", dir);
	mkdir(p, 0755);
	write_file("edu/bbbbbbbb-0000-4000-8000-000000000002",
		   "{\"mdev_type\":\"edu\",\"start\":\"manual\",\"attrs\":[]}");
	write_file("mtty/aaaaaaaa-0000-4000-8000-000000000001",
		   "{\"mdev_type\":\"mtty-1\",\"start\":\"auto\"}");
	write_file("edu/cccccccc-0000-4000-8000-000000000003", "{not json");
	write_file("edu/dddddddd-0000-4000-8000-000000000004",
		   "{\"mdev_type\":\"edu\",\"start\":\"sometimes\"}");
	write_file("edu/eeeeeeee-0000-4000-8000-000000000005",
		   "{\"mdev_type\":\"../x\",\"start\":\"auto\"}");
	write_file("edu/ffffffff-0000-4000-8000-000000000006",
		   "{\"mdev_type\":\"edu\",\"attrs\":[{\"a\":\"1\",\"b\":\"2\"}]}");
	write_file("edu/00000000-0000-4000-8000-000000000007", "[]");
	write_file("edu/not-a-uuid", "{\"mdev_type\":\"edu\"}");
	n = def_list(dir, &defs);
	assert_int_equal(n, 2);
	assert_string_equal(defs[0].parent, "edu");
	assert_string_equal(defs[0].uuid, "bbbbbbbb-0000-4000-8000-000000000002");
	assert_false(defs[0].autostart);
	assert_string_equal(defs[1].parent, "mtty");
	assert_true(defs[1].autostart);
	assert_int_equal(json_object_array_length(defs[1].attrs), 0);
	def_list_free(defs, n);
	assert_int_equal(def_load(dir, "cccccccc-0000-4000-8000-000000000003", &one), -EINVAL);
	assert_int_equal(def_load(dir, "ffffffff-0000-4000-8000-000000000006", &one), -EINVAL);
	/* A missing directory holds no definitions. */
	assert_int_equal(def_list("/nonexistent-uvfio-defs", &defs), 0);
}

static void test_attrs_valid(void **state)
{
	json_object *ok = json_tokener_parse("[{\"a\":\"1\"},{\"b\":\"\"}]");
	json_object *two = json_tokener_parse("[{\"a\":\"1\",\"b\":\"2\"}]");
	json_object *num = json_tokener_parse("[{\"a\":1}]");
	json_object *obj = json_tokener_parse("{\"a\":\"1\"}");

	(void)state;
	assert_true(def_attrs_valid(ok));
	assert_false(def_attrs_valid(two));
	assert_false(def_attrs_valid(num));
	assert_false(def_attrs_valid(obj));
	assert_false(def_attrs_valid(NULL));
	json_object_put(ok);
	json_object_put(two);
	json_object_put(num);
	json_object_put(obj);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_names),
	cmocka_unit_test_setup_teardown(test_save_load_remove, setup, teardown),
	cmocka_unit_test_setup_teardown(test_list_and_malformed, setup, teardown),
	cmocka_unit_test(test_attrs_valid),
};

UVFIO_TEST_MAIN(tests)
