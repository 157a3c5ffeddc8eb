/* Memory-maps a model file and checks its header and tensor table before anything reads it. */
#define _POSIX_C_SOURCE 200809L /* mmap, fstat */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_internal.h"

static int check_table(const lrtk_model_file *f, char *err, size_t err_len) {
  const lrtk_file_header *h = f->header;
  size_t table_end = sizeof(*h) + (size_t)h->n_tensors * sizeof(lrtk_tensor_entry);
  if (h->n_tensors == 0 || table_end > f->size) {
    snprintf(err, err_len, "truncated model file: tensor table of %u entries ends past byte %zu",
             h->n_tensors, f->size);
    return -1;
  }
  for (uint32_t i = 0; i < h->n_tensors; i++) {
    const lrtk_tensor_entry *t = &f->tensors[i];
    if (memchr(t->name, 0, LRTK_NAME_LEN) == NULL) {
      snprintf(err, err_len, "corrupt model file: tensor %u has an unterminated name", i);
      return -1;
    }
    if (t->offset % LRTK_ALIGN != 0 || t->offset < table_end) {
      snprintf(err, err_len, "corrupt model file: tensor %s has bad offset %llu", t->name,
               (unsigned long long)t->offset);
      return -1;
    }
    if (t->nbytes > f->size || t->offset > f->size - t->nbytes) {
      snprintf(err, err_len,
               "truncated model file: tensor %s needs bytes up to %llu but the file has %zu",
               t->name, (unsigned long long)(t->offset + t->nbytes), f->size);
      return -1;
    }
  }
  return 0;
}

int lrtk_file_map(lrtk_model_file *f, const char *path, char *err, size_t err_len) {
  memset(f, 0, sizeof(*f));
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(err, err_len, "cannot open model file");
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(lrtk_file_header)) {
    close(fd);
    snprintf(err, err_len, "not an lrtk model file (too short)");
    return -1;
  }
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd); /* the mapping keeps the file alive */
  if (p == MAP_FAILED) {
    snprintf(err, err_len, "cannot mmap model file");
    return -1;
  }
  f->data = p;
  f->size = (size_t)st.st_size;
  f->header = (const lrtk_file_header *)f->data;
  f->tensors = (const lrtk_tensor_entry *)(f->data + sizeof(lrtk_file_header));
  if (memcmp(f->header->magic, LRTK_MAGIC, 8) != 0) {
    snprintf(err, err_len, "not an lrtk model file (bad magic)");
  } else if (f->header->version != LRTK_FILE_VERSION) {
    snprintf(err, err_len, "unsupported model file version %u (this runtime reads %d)",
             f->header->version, LRTK_FILE_VERSION);
  } else if (check_table(f, err, err_len) == 0) {
    return 0;
  }
  lrtk_file_unmap(f);
  return -1;
}

void lrtk_file_unmap(lrtk_model_file *f) {
  if (f->data) munmap((void *)f->data, f->size);
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
