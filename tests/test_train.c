#include "tap.h"
int main(void){ plan(1); ok(1, "placeholder"); return exit_status(); }
