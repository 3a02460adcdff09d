%% The Weft benchmarks in Erlang: the same five programs as dev.weft.bench.Main runs on Weft's Java
%% processes, so the two can be compared on the same machine in the same command.
%%
%%   erlc -o OUT weft_bench.erl
%%   erl -noshell +P 4000000 -pa OUT -run weft_bench main [key=N ...] [only=a,b] -s init stop
%%
%% Prints one line per benchmark that Main parses:
%%   RESULT <name> cold=<first round> warm_median=<median of the others> unit=<unit> rounds=<r1,r2,...>
%% plus an INFO line with the OTP version and scheduler count. Any other output is a diagnostic.
-module(weft_bench).
-export([main/0, main/1]).
%% the supervisor of the restart benchmark
-export([init/1, restart_child/1]).

-define(DEFAULTS, #{rounds => 5, only => all,
                    spawn_n => 100000, pingpong_msgs => 1000000, ring_size => 503,
                    ring_hops => 2000000, skynet_leaves => 1000000,
                    fanin_senders => 1000, fanin_per_sender => 1000, restart_n => 2000}).

main() -> main([]).

%% Args (strings, from -run): "key=N" sets a size (the keys of ?DEFAULTS), "rounds=N" the rounds,
%% "NAME_rounds=N" the rounds of one benchmark, "only=a,b" runs a subset.
main(Args) ->
    P = parse_args(Args, ?DEFAULTS),
    io:format("INFO otp=~s erts=~s schedulers=~p~n",
              [erlang:system_info(otp_release), erlang:system_info(version),
               erlang:system_info(schedulers_online)]),
    #{spawn_n := SpawnN, pingpong_msgs := PingPongMsgs, ring_size := RingSize,
      ring_hops := RingHops, skynet_leaves := Leaves,
      fanin_senders := Senders, fanin_per_sender := PerSender, restart_n := RestartN} = P,
    Benchmarks =
        [{spawn, "us_per_process", fun() -> spawn_bench(SpawnN) end},
         {pingpong, "msgs_per_s", fun() -> pingpong_bench(PingPongMsgs) end},
         {ring, "hops_per_s", fun() -> ring_bench(RingSize, RingHops) end},
         {skynet, "ms", fun() -> skynet_bench(Leaves) end},
         {fanin, "msgs_per_s", fun() -> fanin_bench(Senders, PerSender) end},
         {restart, "us_median", fun() -> restart_bench(RestartN) end}],
    [run_bench(Name, Unit, Fun, maps:get(list_to_atom(atom_to_list(Name) ++ "_rounds"), P,
                                          maps:get(rounds, P)))
     || {Name, Unit, Fun} <- Benchmarks, selected(Name, P)],
    ok.

parse_args([], P) -> P;
parse_args([Arg | Rest], P) ->
    case string:split(Arg, "=") of
        ["only", Names] ->
            parse_args(Rest, P#{only => [list_to_atom(S) || S <- string:lexemes(Names, ",")]});
        [Key, N] ->
            parse_args(Rest, P#{list_to_atom(Key) => list_to_integer(N)});
        _ ->
            io:format(standard_error, "weft_bench: bad argument ~s~n", [Arg]),
            halt(2)
    end.

selected(restart, #{only := all}) -> false; % run on its own (bench/run prints it apart)
selected(_, #{only := all}) -> true;
selected(Name, #{only := Names}) -> lists:member(Name, Names).

%% Each round runs in a fresh driver process so no round inherits another's heap or mailbox.
run_bench(Name, Unit, Fun, Rounds) ->
    Values = [run_round(Fun) || _ <- lists:seq(1, Rounds)],
    [Cold | Warm] = Values,
    io:format("RESULT ~s cold=~s warm_median=~s unit=~s rounds=~s~n",
              [Name, num(Cold), case Warm of [] -> "nan"; _ -> num(median(Warm)) end, Unit,
               lists:join(",", [num(V) || V <- Values])]).

run_round(Fun) ->
    erlang:garbage_collect(),
    Self = self(),
    Ref = make_ref(),
    %% off_heap: the driver of the spawn benchmark gets 100k replies; with the default on-heap
    %% queue every garbage collection of the driver scans the queue (10x slower, see BENCHMARKS.md).
    {Pid, MRef} = spawn_opt(fun() -> Self ! {Ref, Fun()} end,
                            [monitor, {message_queue_data, off_heap}]),
    receive
        {Ref, Value} ->
            receive {'DOWN', MRef, process, Pid, _} -> ok end,
            Value;
        {'DOWN', MRef, process, Pid, Reason} ->
            io:format(standard_error, "round failed: ~p~n", [Reason]),
            halt(2)
    end.

median(Values) ->
    Sorted = lists:sort(Values),
    N = length(Sorted),
    case N rem 2 of
        1 -> lists:nth(N div 2 + 1, Sorted);
        0 -> (lists:nth(N div 2, Sorted) + lists:nth(N div 2 + 1, Sorted)) / 2
    end.

num(V) -> float_to_list(float(V), [{decimals, 3}]).

now_ns() -> erlang:monotonic_time(nanosecond).

%% (a) spawn + one message + exit: the driver spawns a process and sends it one message (its own
%% pid); the process replies 'done' and exits. Timed until all replies are in.
spawn_bench(N) ->
    Self = self(),
    T0 = now_ns(),
    spawn_loop(N, Self),
    collect_done(N),
    (now_ns() - T0) / 1000 / N.

spawn_loop(0, _) -> ok;
spawn_loop(N, Self) ->
    Pid = spawn(fun() -> receive Parent -> Parent ! done end end),
    Pid ! Self,
    spawn_loop(N - 1, Self).

collect_done(0) -> ok;
collect_done(N) -> receive done -> collect_done(N - 1) end.

%% (b) ping-pong: two processes bounce an integer; pingpong_msgs messages in all (half each way).
pingpong_bench(Msgs) ->
    Self = self(),
    Pong = spawn(fun() -> receive Ping -> pong_loop(Ping) end end),
    Ping = spawn(fun() ->
                         Pong ! self(),
                         receive go -> ok end,
                         T0 = now_ns(),
                         ping_loop(Pong, Msgs div 2),
                         T1 = now_ns(),
                         Pong ! stop,
                         Self ! {pingpong, T1 - T0}
                 end),
    Ping ! go,
    receive {pingpong, Ns} -> Msgs / (Ns / 1.0e9) end.

ping_loop(_, 0) -> ok;
ping_loop(Pong, N) ->
    Pong ! N,
    receive N -> ping_loop(Pong, N - 1) end.

pong_loop(Ping) ->
    receive
        stop -> ok;
        N -> Ping ! N, pong_loop(Ping)
    end.

%% (c) thread ring: ring_size processes in a ring pass a counter; each hop decrements it; the
%% process that receives 0 tells the driver. Timed from injecting the token to that message.
ring_bench(Size, Hops) ->
    Self = self(),
    First = spawn(fun() -> receive Next -> ring_loop(Next, Self) end end),
    Last = lists:foldl(fun(_, Next) -> spawn(fun() -> ring_loop(Next, Self) end) end,
                       First, lists:seq(2, Size)),
    First ! Last,
    T0 = now_ns(),
    First ! Hops,
    receive ring_done -> ok end,
    T1 = now_ns(),
    First ! stop,
    Hops / ((T1 - T0) / 1.0e9).

ring_loop(Next, Driver) ->
    receive
        stop -> Next ! stop;
        0 -> Driver ! ring_done, ring_loop(Next, Driver);
        N -> Next ! N - 1, ring_loop(Next, Driver)
    end.

%% (d) skynet: a tree of processes, fan-out 10, skynet_leaves leaves; a leaf replies its number,
%% an inner process spawns its 10 children and replies the sum of their replies. Milliseconds.
skynet_bench(Leaves) ->
    Self = self(),
    T0 = now_ns(),
    spawn(fun() -> skynet(Self, 0, Leaves, 10) end),
    Sum = receive S -> S end,
    T1 = now_ns(),
    Expected = Leaves * (Leaves - 1) div 2,
    case Sum of
        Expected -> ok;
        _ -> io:format(standard_error, "skynet: sum ~p, expected ~p~n", [Sum, Expected]), halt(2)
    end,
    (T1 - T0) / 1.0e6.

skynet(Parent, Num, 1, _) ->
    Parent ! Num;
skynet(Parent, Num, Size, Div) ->
    Self = self(),
    Sub = Size div Div,
    spawn_children(Self, Num, Sub, Div, 0),
    Parent ! sum_replies(Div, 0).

spawn_children(_, _, _, Div, Div) -> ok;
spawn_children(Self, Num, Sub, Div, I) ->
    spawn(fun() -> skynet(Self, Num + I * Sub, Sub, Div) end),
    spawn_children(Self, Num, Sub, Div, I + 1).

sum_replies(0, Sum) -> Sum;
sum_replies(N, Sum) -> receive X -> sum_replies(N - 1, Sum + X) end.

%% (e) fan-in: fanin_senders processes each send fanin_per_sender messages to one receiver, which
%% counts them. Timed from the first spawn until the receiver has them all.
fanin_bench(Senders, PerSender) ->
    Self = self(),
    Total = Senders * PerSender,
    Receiver = spawn_opt(fun() -> fanin_receive(Total), Self ! fanin_done end,
                         [{message_queue_data, off_heap}]),
    T0 = now_ns(),
    [spawn(fun() -> fanin_send(Receiver, PerSender) end)
     || _ <- lists:seq(1, Senders)],
    receive fanin_done -> ok end,
    T1 = now_ns(),
    Total / ((T1 - T0) / 1.0e9).

fanin_send(_, 0) -> ok;
fanin_send(Receiver, N) -> Receiver ! N, fanin_send(Receiver, N - 1).

fanin_receive(0) -> ok;
fanin_receive(N) -> receive _ -> fanin_receive(N - 1) end.

%% (f) supervisor restart latency: a one_for_one supervisor (OTP's) restarts a child that crashes
%% on any message. Per restart, the time from sending the crash message to the replacement's first
%% message; the round's value is the median of N restarts, in microseconds. The logger is silenced
%% while it runs: every crash would otherwise print a report.
restart_bench(N) ->
    #{level := Level} = logger:get_primary_config(),
    logger:set_primary_config(level, none),
    {ok, Sup} = supervisor:start_link(?MODULE, {restart_sup, self()}),
    First = receive {up, P} -> P end,
    Times = restart_loop(N, First, []),
    unlink(Sup),
    exit(Sup, shutdown),
    logger:set_primary_config(level, Level),
    median(Times).

restart_loop(0, _, Acc) -> Acc;
restart_loop(K, Pid, Acc) ->
    T0 = now_ns(),
    Pid ! crash,
    receive {up, New} -> restart_loop(K - 1, New, [(now_ns() - T0) / 1000 | Acc]) end.

init({restart_sup, Driver}) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000000, period => 3600},
          [#{id => worker, start => {?MODULE, restart_child, [Driver]}}]}}.

restart_child(Driver) ->
    {ok, spawn_link(fun() -> Driver ! {up, self()}, receive _ -> exit(crash) end end)}.
