/*
 * clk: monotonic milliseconds. Modules take "now" as a parameter so tests
 * can inject time; only event loops call clk_now_ms().
 */
#ifndef KTRSBC_CLK_H
#define KTRSBC_CLK_H

#include <stdint.h>

uint64_t clk_now_ms(void);

#endif
