/*
 * list: the intrusive doubly linked list that owners keep of their live
 * objects (a client's calls in flight, a server's open connections), so
 * that stopping can reach each one.
 *
 * An element has `T *next, **prev`: prev points at whatever points at it,
 * the head or the previous element's next, so an element unlinks itself
 * without knowing its owner. Macros, as each list has its element's type.
 */
#ifndef LW_LIST_H
#define LW_LIST_H

#include <stddef.h>

/* Links x in at the front of the list at head. */
#define LW_LIST_PUSH(head, x)                                                                                         \
    do {                                                                                                               \
        (x)->next = (head);                                                                                            \
        if (head)                                                                                                      \
            (head)->prev = &(x)->next;                                                                                 \
        (head) = (x);                                                                                                  \
        (x)->prev = &(head);                                                                                           \
    } while (0)

/* Unlinks x; a second call, or one for an x never linked (prev NULL), does
 * nothing. */
#define LW_LIST_UNLINK(x)                                                                                              \
    do {                                                                                                               \
        if ((x)->prev) {                                                                                               \
            *(x)->prev = (x)->next;                                                                                    \
            if ((x)->next)                                                                                             \
                (x)->next->prev = (x)->prev;                                                                           \
            (x)->prev = NULL;                                                                                          \
        }                                                                                                              \
    } while (0)

#endif
