/* money.h: the bound on every amount of money kanjia accepts. Money is an
 * int64_t number of fen everywhere; keeping each amount at or below
 * MONEY_MAX_FEN (one billion yuan) means sums of a few hundred of them and
 * products with small counts never overflow. */
#ifndef KANJIA_MONEY_H
#define KANJIA_MONEY_H

#define MONEY_MAX_FEN 100000000000LL

#endif
