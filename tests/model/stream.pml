/* A Promela model of the stream protocol (src/stream.c), checked with spin by tests/model/run.sh.
 *
 * Modelled: the per-slot sequence lock (2n = frame n, 2n+1 = frame n being written, 0 = empty),
 * the payload copied word by word, the head, the ring cursor and overrun logic of read_next
 * (oldest safe frame = head - slots + 2, empty slots skipped and counted as missed), loans that
 * are abandoned, the futex word `notify` with the `waiters` count, and the single-writer claim
 * handed over from a dead holder to a restarted writer (owner tokens: a restarted writer is a
 * new token, as with pid + start time). Writers may stop (die) at any step, a bounded number of
 * times; each death is followed by a restart under a new token. (Deaths between publishing head
 * and the wake-up: see DIE_IN_WAKE_WINDOW below.)
 *
 * Properties (assertions and spin's end-state check):
 *   torn          a frame accepted by a reader holds that frame's words only
 *   lost frames   a frame the reader skips as empty was really destroyed (ghost `destroyed`)
 *   missed        seq == previous + 1 + missed for every read, and missed counts exactly the
 *                 frames skipped (ghost recount)
 *   wake-ups      no reader sleeps forever while a newer frame exists (an invalid end state)
 *   one writer    never two live processes inside the write section
 *
 * Not modelled: weak memory ordering (spin interleaves sequentially consistent steps; the C11
 * fences are argued in src/stream.c), timeouts (a lost wake-up would be capped by one), readers
 * dying (a dead sleeper leaves `waiters` raised: extra FUTEX_WAKE calls, never a lost one).
 *
 * Mutants (tests/model/run.sh expects spin to REJECT each):
 *   MUTANT_HEAD_FIRST   the writer publishes head before it locks the slot and copies
 *   MUTANT_NO_RECHECK   the reader does not re-check the slot lock after its copy
 *   MUTANT_WAKE_FIRST   the writer stores notify and wakes before it publishes head
 *   MUTANT_CLAIM_RACE   the claim is a load-then-store instead of a compare-and-swap
 */

#ifndef SLOTS
#define SLOTS 2
#endif
#ifndef FRAMES
#define FRAMES 3      /* frames published in all */
#endif
#define WORDS 2       /* payload words per frame */
#ifndef MAXDEATHS
#define MAXDEATHS 2   /* writer deaths in a run (make test: 1, bounded to < 1 min; test-long: 2) */
#endif
#define MAXABANDON 1  /* abandoned loans in a run */
#define NTOK 7        /* tokens 1..6: writer A = 1, 3, 5; writer B = 2, 4, 6 */

byte lock[SLOTS];
byte data[SLOTS * WORDS];
byte head;
byte notify;
byte waiters;
byte claim;           /* token of the single writer, 0 = none */
bool alive[NTOK];
byte writing;         /* live processes inside the write section */
bool asleep;          /* the reader is blocked in FUTEX_WAIT */
byte deaths;
byte abandons;
bool destroyed[FRAMES + 1]; /* ghost: frame n's slot was reused or its loan abandoned */
bool window_death;    /* ghost: a writer died between publishing head and its wake-up */

/* Dies here (at most MAXDEATHS times in a run): the process stops, the claim stays recorded. */
inline maydie() {
    if
    :: deaths < MAXDEATHS ->
        atomic { deaths++; alive[me] = false; writing = writing - inw; inw = 0 };
        goto died
    :: true -> skip
    fi
}

/* A death between publishing head and the wake-up (DIE_IN_WAKE_WINDOW) can leave a reader that
 * had already checked head asleep although the frame is committed. src/stream.c answers it twice
 * (found by this model): a writer that takes over a dead writer's claim publishes head to the
 * futex word and wakes every sleeper (modelled below), and a registered sleeper re-checks head at
 * least every SLEEP_SLICE_NS (modelled as the reader's escape that is possible only when nothing
 * else can move: Promela's `timeout`, enabled only after such a death, so every other lost
 * wake-up is still an invalid end state). `make test-long` checks it with 2 deaths. */
#ifdef DIE_IN_WAKE_WINDOW
inline wake_window_maydie() {
    if
    :: deaths < MAXDEATHS ->
        atomic { deaths++; alive[me] = false; writing = writing - inw; inw = 0; window_death = true };
        goto died
    :: true -> skip
    fi
}
#else
#define wake_window_maydie() skip
#endif

proctype Writer(byte first) {
    byte me = first, seq, s, i, inw = 0;
    bool tookover = false;
restart:
    alive[me] = true;
    do
    :: head >= FRAMES -> goto done
#ifdef MUTANT_CLAIM_RACE
    :: claim == me -> break
    :: (claim == 0 || !alive[claim]) && claim != me -> claim = me; break
#else
    :: claim == me -> break
    :: atomic { (claim == 0 || !alive[claim]) && claim != me -> tookover = (claim != 0); claim = me }; break
#endif
    od;
    if /* took over a dead writer's claim: publish head to the futex word and wake (C: wake_after_takeover) */
    :: tookover -> notify = head; asleep = false; tookover = false
    :: else -> skip
    fi;
    maydie();
    do
    :: head >= FRAMES -> break
    :: else ->
        atomic { writing++; inw = 1; assert(writing <= 1) }; /* one writer at a time */
        seq = head + 1;
        s = (seq - 1) % SLOTS;
#ifdef MUTANT_HEAD_FIRST
        head = seq;
        maydie();
#endif
        atomic {
            lock[s] = 2 * seq + 1;
            if :: seq > SLOTS -> destroyed[seq - SLOTS] = true :: else -> skip fi
        };
        maydie();
        for (i : 0 .. WORDS - 1) {
            data[s * WORDS + i] = seq;
            maydie()
        }
        if
        :: abandons < MAXABANDON -> /* an abandoned loan: the slot is marked empty */
            abandons++;
            lock[s] = 0;
            atomic { writing--; inw = 0 }
        :: true ->
            lock[s] = 2 * seq;
            maydie();
#ifdef MUTANT_WAKE_FIRST
            notify = seq;
            if :: waiters > 0 -> asleep = false :: else -> skip fi;
            maydie();
            head = seq;
#else
#ifndef MUTANT_HEAD_FIRST
            head = seq;
#endif
            wake_window_maydie();
            notify = seq;
            wake_window_maydie();
            if :: waiters > 0 -> asleep = false /* FUTEX_WAKE all */ :: else -> skip fi;
#endif
            atomic { writing--; inw = 0 }
        fi;
        maydie()
    od;
done:
    atomic { if :: claim == me -> claim = 0 :: else -> skip fi }; /* close releases the claim */
    goto end;
died:
    me = me + 2; /* restarted: a new process, a new token */
    goto restart;
end:
    skip
}

/* read_next in a loop until the last frame: cursor, overrun, empty slots, waiting. */
active proctype Reader() {
    byte cur = 0, h, target, oldest, s, l0, d[WORDS], i, missed, w, skp = 0, m;
    do
    :: cur >= FRAMES -> break
    :: else ->
        h = head;
        if
        :: h <= cur + skp -> /* wait_after(cur + skp) */
            waiters++;
            do
            :: w = notify;
               if
               :: head > cur + skp -> break
               :: else ->
                   atomic { if :: notify == w -> asleep = true :: else -> skip fi };
                   if
                   :: !asleep -> skip /* FUTEX_WAIT returns when woken (or the word had changed) */
                   :: timeout && window_death -> asleep = false /* the sleep slice ends */
                   fi
               fi
            od;
            waiters--
        :: else ->
            target = cur + 1 + skp;
            oldest = (h + 2 > SLOTS -> h + 2 - SLOTS : 1);
            if :: target < oldest -> target = oldest :: else -> skip fi;
            s = (target - 1) % SLOTS;
            l0 = lock[s];
            if
            :: l0 == 2 * target ->
                for (i : 0 .. WORDS - 1) { d[i] = data[s * WORDS + i] }
#ifdef MUTANT_NO_RECHECK
                if :: true ->
#else
                if :: lock[s] == l0 ->
#endif
                    for (i : 0 .. WORDS - 1) { assert(d[i] == target) } /* never torn */
                    missed = target - cur - 1;
                    /* missed counts exactly the frames skipped, each lost for a reason: its
                     * slot was reused or abandoned, or it was behind the oldest safe frame */
                    m = cur + 1;
                    do
                    :: m < target -> assert(destroyed[m] || m + SLOTS <= h + 1); m++
                    :: else -> break
                    od;
                    assert(target == cur + 1 + missed);
                    cur = target;
                    skp = 0
                :: else -> skip /* lapped during the copy: retry */
                fi
            :: l0 == 0 || l0 < 2 * target -> /* empty: the frame is lost, move past it */
                assert(destroyed[target] || target + SLOTS <= h + 1);
                skp = target - cur
            :: else -> skip /* lapped: retry */
            fi
        fi
    od
}

init {
    atomic {
        run Writer(1);
        run Writer(2)
    }
}
