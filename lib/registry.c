/* The plugin registry: finds plugin modules on a search path, loads them
 * with libltdl and checks their descriptors.  A plugin that fails any
 * check is skipped with a diagnostic; nothing here can take the process
 * down short of a plugin crashing in its own entry point. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry-internal.h"
#include "util-internal.h"
#include "util/cleanup-internal.h"
#include "util/names-internal.h"

/* libltdl keeps global state and a global error string: every lt_* call
 * goes through this lock (a daemon rescans while workers pack). */
static pthread_mutex_t ltdl_lock = PTHREAD_MUTEX_INITIALIZER;

/* Close a module that did not make it into the registry (ltdl_lock
 * held). */
static void dlclosep(lt_dlhandle *h)
{
	if (*h)
		lt_dlclose(*h);
}

/* libltdl says that an allocation failed only in its message: its own
 * ("not enough memory") or the dynamic loader's, which ends with
 * strerror(ENOMEM).  That is no reason to skip a plugin: the call fails
 * with SEQPACK_ERR_NOMEM instead of returning a registry short of it. */
static int ltdl_nomem(const char *e)
{
	if (!e)
		return 0;
	if (strcmp(e, "not enough memory") == 0)
		return 1;
	const char *m = strerror(ENOMEM);
	size_t el = strlen(e), ml = strlen(m);
	return el >= ml && strcmp(e + el - ml, m) == 0;
}

/* The descriptor prefix every ABI 1.x plugin provides. */
#define DESC_V1_SIZE (offsetof(seqpack_plugin, stream_close) + sizeof(void *))

#define KNOWN_FLAGS                                                  \
	(SEQPACK_FLAG_OFFLINE | SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING | \
	 SEQPACK_FLAG_PARALLEL | SEQPACK_FLAG_RANDOMISED)

static int add_diag(seqpack_registry *reg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_diag(seqpack_registry *reg, const char *fmt, ...)
{
	if (reg->ndiags == reg->diagcap) {
		size_t cap = reg->diagcap ? reg->diagcap * 2 : 8;
		char **d = realloc(reg->diags, cap * sizeof(*d));
		if (!d)
			return SEQPACK_ERR_NOMEM;
		reg->diags = d;
		reg->diagcap = cap;
	}
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	int len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return SEQPACK_ERR_NOMEM;
	reg->diags[reg->ndiags++] = msg;
	return SEQPACK_OK;
}

/* Plugin names, and the module files they live in, are [a-z0-9]+. */
static int valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= SEQPACK_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

const struct plugin_entry *registry_lookup(const seqpack_registry *reg,
					   const char *name)
{
	if (!reg || !name)
		return NULL;
	for (size_t i = 0; i < reg->count; i++)
		if (strcmp(reg->plugins[i].info.name, name) == 0)
			return &reg->plugins[i];
	return NULL;
}

static const seqpack_plugin_info *entry_at(const void *reg, size_t i)
{
	return &((const seqpack_registry *)reg)->plugins[i].info;
}

const char *registry_names(const seqpack_registry *reg, uint32_t flags,
			   char *buf, size_t len)
{
	return util_plugin_names(buf, len, entry_at, reg, reg ? reg->count : 0,
				 flags);
}

int registry_not_found(const seqpack_registry *reg, const char *name,
		       seqpack_error *err)
{
	char list[160];
	return seterr(err, SEQPACK_ERR_NOT_FOUND,
		      "unknown algorithm '%s' (available: %s)", name ? name : "",
		      registry_names(reg, 0, list, sizeof(list)));
}

/* Why the descriptor is unacceptable, or NULL when it is fine. */
static const char *check_desc(const seqpack_plugin *d, const char *modname,
			      char *buf, size_t len)
{
	if ((d->abi_version >> 16) != SEQPACK_PLUGIN_ABI_MAJOR ||
	    (d->abi_version & 0xffff) > SEQPACK_PLUGIN_ABI_MINOR) {
		snprintf(buf, len,
			 "plugin ABI version %u.%u, this library supports %u.0 to %u.%u",
			 d->abi_version >> 16, d->abi_version & 0xffff,
			 SEQPACK_PLUGIN_ABI_MAJOR, SEQPACK_PLUGIN_ABI_MAJOR,
			 SEQPACK_PLUGIN_ABI_MINOR);
		return buf;
	}
	if (d->struct_size < DESC_V1_SIZE) {
		snprintf(buf, len, "descriptor size %u is smaller than %zu",
			 d->struct_size, (size_t)DESC_V1_SIZE);
		return buf;
	}
	if (!d->name || !valid_name(d->name, strlen(d->name)))
		return "plugin name missing or not [a-z0-9]+ (at most 31 characters)";
	if (strcmp(d->name, modname) != 0) {
		snprintf(buf, len, "plugin name '%s' does not match module name '%s'",
			 d->name, modname);
		return buf;
	}
	if (!d->title || !d->description)
		return "plugin title or description missing";
	if (!d->pack)
		return "plugin has no pack function";
	if (d->flags & ~KNOWN_FLAGS) {
		snprintf(buf, len, "unknown plugin flags 0x%x",
			 d->flags & ~KNOWN_FLAGS);
		return buf;
	}
	if ((d->flags & SEQPACK_FLAG_STREAMING) &&
	    (!d->stream_open || !d->stream_push || !d->stream_finish ||
	     !d->stream_close))
		return "plugin claims streaming but lacks stream hooks";
	if ((d->state_new == NULL) != (d->state_free == NULL))
		return "plugin has only one of state_new and state_free";
	return NULL;
}

/* lt_dlopenadvise(path), or NULL with libltdl's message in *why.
 * libltdl reports a .la file it could not fopen() as "file not found"
 * whatever the cause, a failed allocation included; the file was just
 * listed, so that message gets one more try: a transient failure passes
 * the second time, a file really gone fails the same way again.
 * Called with ltdl_lock. */
static lt_dlhandle open_module(const char *path, const char **why)
{
	lt_dlhandle h = NULL;
	for (int attempt = 0; attempt < 2 && !h; attempt++) {
		lt_dladvise advise;
		if (lt_dladvise_init(&advise) == 0) {
			lt_dladvise_ext(&advise);
			lt_dladvise_local(&advise);
			h = lt_dlopenadvise(path, advise);
			lt_dladvise_destroy(&advise);
		}
		*why = h ? NULL : lt_dlerror();
		if (!*why || strcmp(*why, "file not found") != 0)
			break;
	}
	return h;
}

/* Load dir/modname; errors become diagnostics.  Called with ltdl_lock. */
static int load_module(seqpack_registry *reg, const char *dir,
		       const char *modname, const char *file)
{
	char path[4096];
	int w = snprintf(path, sizeof(path), "%s/%s", dir, modname);
	if (w < 0 || (size_t)w >= sizeof(path))
		return add_diag(reg, "skipping %s/%s: path too long", dir, file);
	if (registry_lookup(reg, modname))
		return add_diag(reg,
				"skipping %s/%s: a plugin named '%s' is already loaded from %s",
				dir, file, modname,
				registry_lookup(reg, modname)->path);

	const char *why_not = NULL;
	_cleanup_(dlclosep) lt_dlhandle h = open_module(path, &why_not);
	if (!h) {
		if (ltdl_nomem(why_not))
			return SEQPACK_ERR_NOMEM;
		return add_diag(reg, "skipping %s/%s: cannot load: %s", dir,
				file, why_not ? why_not : "unknown libltdl error");
	}
	typedef const seqpack_plugin *(*entry_fn)(void);
	entry_fn entry;
	void *sym = lt_dlsym(h, SEQPACK_PLUGIN_ENTRY);
	memcpy(&entry, &sym, sizeof(entry));
	if (!sym) {
		/* lt_dlclose() frees the string lt_dlerror() returned: the
		 * diagnostic is recorded before h's cleanup closes it. */
		const char *e = lt_dlerror();
		if (ltdl_nomem(e))
			return SEQPACK_ERR_NOMEM;
		return add_diag(reg,
				"skipping %s/%s: no entry point %s_LTX_%s (%s)",
				dir, file, modname, SEQPACK_PLUGIN_ENTRY,
				e ? e : "symbol not found");
	}
	const seqpack_plugin *d = entry();
	char buf[160];
	const char *why = d ? check_desc(d, modname, buf, sizeof(buf))
			    : "entry point returned no descriptor";
	if (why)
		return add_diag(reg, "skipping %s/%s: %s", dir, file, why);
	if (reg->count == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 16;
		struct plugin_entry *p = realloc(reg->plugins, cap * sizeof(*p));
		if (!p)
			return SEQPACK_ERR_NOMEM;
		reg->plugins = p;
		reg->cap = cap;
	}
	char *file_path = NULL;
	if (asprintf(&file_path, "%s/%s", dir, file) < 0)
		return SEQPACK_ERR_NOMEM;
	struct plugin_entry *e = &reg->plugins[reg->count++];
	e->desc = d;
	e->handle = TAKE_PTR(h);
	e->path = file_path;
	e->info.name = d->name;
	e->info.title = d->title;
	e->info.description = d->description;
	e->info.flags = d->flags;
	e->info.path = file_path;
	return SEQPACK_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plugin files of one directory, as "NAME/FILE" strings. */
struct modlist {
	char **v;
	size_t count, cap;
};

static void modlist_free(struct modlist *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->v[i]);
	free(l->v);
}

/* Add file, whose first namelen bytes are its module name; a name seen
 * before keeps one file, the .la when there is one (libltdl prefers it). */
static int modlist_add(struct modlist *l, const char *file, size_t namelen)
{
	size_t i = 0;
	while (i < l->count && !(strncmp(l->v[i], file, namelen) == 0 &&
				 l->v[i][namelen] == '/'))
		i++;
	if (i < l->count && strcmp(file + namelen, ".la") != 0)
		return SEQPACK_OK;
	if (i == l->count && l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return SEQPACK_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *entry = NULL;
	if (asprintf(&entry, "%.*s/%s", (int)namelen, file, file) < 0)
		return SEQPACK_ERR_NOMEM;
	if (i < l->count)
		free(l->v[i]);
	else
		l->count++;
	l->v[i] = entry;
	return SEQPACK_OK;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Load the modules of dir: files NAME.la or NAME.so with NAME [a-z0-9]+,
 * each name once, in sorted order so that loading is deterministic.
 * Other files are not plugins and are ignored. */
static int scan_dir(seqpack_registry *reg, const char *dir, int explicit)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	if (!d) {
		/* out of memory is not "no such directory": the caller gets
		 * NOMEM, never a registry silently short of its plugins */
		if (errno == ENOMEM)
			return SEQPACK_ERR_NOMEM;
		if (explicit)
			return add_diag(reg, "skipping directory %s: %s", dir,
					strerror(errno));
		return SEQPACK_OK;
	}
	_cleanup_(modlist_free) struct modlist mods = {0};
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 4)
			continue;
		const char *ext = de->d_name + len - 3;
		if (strcmp(ext, ".la") != 0 && strcmp(ext, ".so") != 0)
			continue;
		if (!valid_name(de->d_name, len - 3))
			continue;
		int rc = modlist_add(&mods, de->d_name, len - 3);
		if (rc != SEQPACK_OK)
			return rc;
	}
	if (mods.count) /* qsort(NULL, 0) is undefined: an empty directory */
		qsort(mods.v, mods.count, sizeof(*mods.v), cmp_str);
	for (size_t i = 0; i < mods.count; i++) {
		char *slash = strchr(mods.v[i], '/');
		*slash = '\0';
		int rc = load_module(reg, dir, mods.v[i], slash + 1);
		if (rc != SEQPACK_OK)
			return rc;
	}
	return SEQPACK_OK;
}

static int scan_path(seqpack_registry *reg, const char *path, int explicit)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return SEQPACK_ERR_NOMEM;
	int rc = SEQPACK_OK;
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir && rc == SEQPACK_OK;
	     dir = strtok_r(NULL, ":", &save))
		rc = scan_dir(reg, dir, explicit);
	return rc;
}

SEQPACK_EXPORT const char *seqpack_registry_default_dir(void)
{
	return SEQPACK_PLUGIN_DIR;
}

SEQPACK_EXPORT int seqpack_registry_open(const char *search_path,
					 seqpack_registry **ret,
					 seqpack_error *err)
{
	if (!ret)
		return seterr(err, SEQPACK_ERR_INVALID, "ret is NULL");
	seqpack_registry *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	atomic_init(&reg->refs, 1);

	pthread_mutex_lock(&ltdl_lock);
	if (lt_dlinit() != 0) {
		/* Its loaders are built in: lt_dlinit() fails only when it
		 * cannot allocate, whatever it says ("invalid loader").  It
		 * counts the failed call as an initialisation, and the next
		 * one would then use the half-made loaders: lt_dlexit() takes
		 * it back so that the next open starts afresh. */
		const char *e = lt_dlerror();
		char why[128];
		snprintf(why, sizeof(why), "%s", e ? e : "initialisation failed");
		lt_dlexit();
		pthread_mutex_unlock(&ltdl_lock);
		free(reg);
		return seterr(err, SEQPACK_ERR_NOMEM, "libltdl: %s", why);
	}
	int rc;
	if (search_path) {
		rc = scan_path(reg, search_path, 1);
	} else {
		const char *env = secure_getenv("SEQPACK_PLUGIN_PATH");
		rc = env && *env ? scan_path(reg, env, 1) : SEQPACK_OK;
		if (rc == SEQPACK_OK)
			rc = scan_dir(reg, SEQPACK_PLUGIN_DIR, 0);
	}
	pthread_mutex_unlock(&ltdl_lock);
	if (rc != SEQPACK_OK) {
		seqpack_registry_unref(reg);
		return seterr(err, rc, "out of memory while loading plugins");
	}
	*ret = reg;
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_registry *seqpack_registry_ref(seqpack_registry *reg)
{
	if (reg)
		atomic_fetch_add(&reg->refs, 1);
	return reg;
}

SEQPACK_EXPORT seqpack_registry *seqpack_registry_unref(seqpack_registry *reg)
{
	if (!reg || atomic_fetch_sub(&reg->refs, 1) != 1)
		return NULL;
	pthread_mutex_lock(&ltdl_lock);
	for (size_t i = 0; i < reg->count; i++) {
		lt_dlclose(reg->plugins[i].handle);
		free(reg->plugins[i].path);
	}
	lt_dlexit();
	pthread_mutex_unlock(&ltdl_lock);
	for (size_t i = 0; i < reg->ndiags; i++)
		free(reg->diags[i]);
	free(reg->diags);
	free(reg->plugins);
	free(reg);
	return NULL;
}

SEQPACK_EXPORT size_t seqpack_registry_count(const seqpack_registry *reg)
{
	return reg ? reg->count : 0;
}

SEQPACK_EXPORT const seqpack_plugin_info *
seqpack_registry_get(const seqpack_registry *reg, size_t i)
{
	return reg && i < reg->count ? &reg->plugins[i].info : NULL;
}

SEQPACK_EXPORT const seqpack_plugin_info *
seqpack_registry_find(const seqpack_registry *reg, const char *name)
{
	const struct plugin_entry *e = registry_lookup(reg, name);
	return e ? &e->info : NULL;
}

SEQPACK_EXPORT size_t
seqpack_registry_diagnostic_count(const seqpack_registry *reg)
{
	return reg ? reg->ndiags : 0;
}

SEQPACK_EXPORT const char *
seqpack_registry_diagnostic(const seqpack_registry *reg, size_t i)
{
	return reg && i < reg->ndiags ? reg->diags[i] : NULL;
}
