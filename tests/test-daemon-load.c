#include <check.h>
#include "testlib.h"
int main(void){ Suite *s = suite_create("x"); return tl_run(s); }
