/* Loads a model file (into huge-page memory, or memory-mapped) and checks its header and
 * tensor table before anything reads it. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_internal.h"

/* Every number in these messages is the field as stored (unsigned where the field is), never a
 * sum that could wrap: a fuzzed offset or size must not read as a plausible one. */
static lrtk_model_status check_table(const lrtk_model_file *f, char *err, size_t err_len) {
  const lrtk_file_header *h = f->header;
  if (h->n_tensors == 0) {
    snprintf(err, err_len, "corrupt model file: the tensor table is empty");
    return LRTK_MODEL_E_FILE;
  }
  size_t table_end = sizeof(*h) + (size_t)h->n_tensors * sizeof(lrtk_tensor_entry);
  if (table_end > f->size) {
    snprintf(err, err_len,
             "truncated model file: a tensor table of %u entries needs %zu bytes but the file "
             "has %zu",
             h->n_tensors, table_end, f->size);
    return LRTK_MODEL_E_FILE;
  }
  for (uint32_t i = 0; i < h->n_tensors; i++) {
    const lrtk_tensor_entry *t = &f->tensors[i];
    if (memchr(t->name, 0, LRTK_NAME_LEN) == NULL) {
      snprintf(err, err_len, "corrupt model file: tensor %u has an unterminated name", i);
      return LRTK_MODEL_E_FILE;
    }
    if (t->dtype > LRTK_DT_TMAC) {
      snprintf(err, err_len, "corrupt model file: tensor %s has unknown dtype %u", t->name,
               t->dtype);
      return LRTK_MODEL_E_FILE;
    }
    if (t->rows < 0 || t->cols < 0) {
      snprintf(err, err_len, "corrupt model file: tensor %s has a negative shape", t->name);
      return LRTK_MODEL_E_FILE;
    }
    if (t->offset % LRTK_ALIGN != 0 || t->offset < table_end) {
      snprintf(err, err_len, "corrupt model file: tensor %s has bad offset %llu", t->name,
               (unsigned long long)t->offset);
      return LRTK_MODEL_E_FILE;
    }
    if (t->nbytes > f->size || t->offset > f->size - t->nbytes) {
      snprintf(err, err_len,
               "truncated model file: tensor %s has %llu bytes at offset %llu but the file has "
               "%zu",
               t->name, (unsigned long long)t->nbytes, (unsigned long long)t->offset, f->size);
      return LRTK_MODEL_E_FILE;
    }
  }
  return LRTK_MODEL_OK;
}

/* Copies the file into anonymous memory advised to use transparent huge pages. Decoding
 * streams every weight once per token; with 4 KiB pages the TLB misses cost 14-17% of the
 * GEMV's speed on a 2-vCPU x86 VM (measured by alternating both in one process), and a
 * file mapping cannot get huge pages. The page cache copy the read leaves is reclaimable. */
static lrtk_model_status read_into_memory(lrtk_model_file *f, int fd, size_t size, char *err,
                                          size_t err_len) {
  const size_t huge = (size_t)2 << 20;
  size_t map_bytes = size + huge;
  uint8_t *base = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    snprintf(err, err_len, "out of memory: the model needs %zu MB (try the mmap option)",
             size >> 20);
    return LRTK_MODEL_E_NOMEM;
  }
  uint8_t *data = base + ((huge - (uintptr_t)base % huge) % huge);
#ifdef MADV_HUGEPAGE
  madvise(data, size, MADV_HUGEPAGE); /* advice only: without THP it is ordinary memory */
#endif
  for (size_t done = 0; done < size;) {
    ssize_t got = read(fd, data + done, size - done);
    if (got <= 0) {
      munmap(base, map_bytes);
      snprintf(err, err_len, "cannot read model file (stopped at byte %zu of %zu)", done, size);
      return LRTK_MODEL_E_FILE;
    }
    done += (size_t)got;
  }
  f->data = data;
  f->map_base = base;
  f->map_bytes = map_bytes;
  return LRTK_MODEL_OK;
}

static lrtk_model_status map_file(lrtk_model_file *f, int fd, size_t size, char *err,
                                  size_t err_len) {
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    snprintf(err, err_len, "cannot mmap model file");
    return LRTK_MODEL_E_FILE;
  }
  f->data = p;
  f->map_base = p;
  f->map_bytes = size;
  return LRTK_MODEL_OK;
}

lrtk_model_status lrtk_file_map(lrtk_model_file *f, const char *path, int flags, char *err,
                                size_t err_len) {
  memset(f, 0, sizeof(*f));
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(err, err_len, "cannot open model file");
    return LRTK_MODEL_E_FILE;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(lrtk_file_header)) {
    close(fd);
    snprintf(err, err_len, "not an lrtk model file (too short)");
    return LRTK_MODEL_E_FILE;
  }
  const size_t size = (size_t)st.st_size;
  lrtk_model_status rc = (flags & LRTK_OPEN_MMAP) ? map_file(f, fd, size, err, err_len)
                                                  : read_into_memory(f, fd, size, err, err_len);
  close(fd); /* a mapping keeps the file alive */
  if (rc != LRTK_MODEL_OK) return rc;
  f->size = size;
  f->header = (const lrtk_file_header *)f->data;
  f->tensors = (const lrtk_tensor_entry *)(f->data + sizeof(lrtk_file_header));
  if (memcmp(f->header->magic, LRTK_MAGIC, 8) != 0) {
    snprintf(err, err_len, "not an lrtk model file (bad magic)");
  } else if (f->header->version != LRTK_FILE_VERSION) {
    snprintf(err, err_len,
             "unsupported model file version %u (this runtime reads %d): export it again with "
             "this lrtk",
             f->header->version, LRTK_FILE_VERSION);
  } else if (check_table(f, err, err_len) == LRTK_MODEL_OK) {
    return LRTK_MODEL_OK;
  }
  lrtk_file_unmap(f);
  return LRTK_MODEL_E_FILE;
}

void lrtk_file_unmap(lrtk_model_file *f) {
  if (f->map_base) munmap(f->map_base, f->map_bytes);
  memset(f, 0, sizeof(*f));
}

const lrtk_tensor_entry *lrtk_file_find(const lrtk_model_file *f, const char *name) {
  for (uint32_t i = 0; i < f->header->n_tensors; i++)
    if (strncmp(f->tensors[i].name, name, LRTK_NAME_LEN) == 0) return &f->tensors[i];
  return NULL;
}

const void *lrtk_model_blob(const lrtk_model *model, const char *name, size_t *nbytes) {
  const lrtk_tensor_entry *t = lrtk_file_find(&model->file, name);
  if (t == NULL || t->dtype != LRTK_DT_U8) return NULL;
  if (nbytes) *nbytes = (size_t)t->nbytes;
  return model->file.data + t->offset;
}
