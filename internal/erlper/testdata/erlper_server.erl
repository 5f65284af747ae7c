%% erlper_server answers aligned-PER requests from Go tests (internal/erlper),
%% one request per line on stdin and one answer per line on stdout:
%%
%%   dec Module Type Hex    decode Hex as Type of Module, encode the value again:
%%                          "ok Hex" (the re-encoding), or "error Text"
%%   enc Module Type Term   encode the Erlang term text (maps representation):
%%                          "ok Hex", or "error Text"
%%   show Module Type Hex   decode Hex: "ok Term" (the value, on one line)
%%   match Module Type Hex Term
%%                          decode Hex and compare the value with the term:
%%                          "ok" if equal (=:=), else "error" and the value
%%
%% A decoding that leaves whole octets unread is an error ("trailing ...").
%% The modules are compiled with `erlc -bper +maps +undec_rest`.
-module(erlper_server).
-export([main/0]).

main() ->
    ok = io:setopts(standard_io, [binary, {encoding, latin1}]),
    loop().

loop() ->
    case io:get_line(standard_io, "") of
        eof -> halt(0);
        {error, _} -> halt(1);
        Line ->
            Reply = try handle(string:trim(Line, trailing, "\r\n")) of
                        {ok, Out} -> ["ok ", Out];
                        {error, Why} -> ["error ", one_line(Why)]
                    catch
                        Class:Reason:Stack ->
                            ["error ", one_line({Class, Reason, lists:sublist(Stack, 2)})]
                    end,
            io:put_chars(standard_io, [Reply, $\n]),
            loop()
    end.

handle(Line) ->
    [Op, Rest1] = binary:split(Line, <<" ">>),
    [Mod, Rest2] = binary:split(Rest1, <<" ">>),
    [Type, Arg] = binary:split(Rest2, <<" ">>),
    M = binary_to_atom(Mod, latin1),
    T = binary_to_atom(Type, latin1),
    case Op of
        <<"dec">> ->
            case decode(M, T, Arg) of
                {ok, V} -> encode(M, T, V);
                E -> E
            end;
        <<"show">> ->
            case decode(M, T, Arg) of
                {ok, V} -> {ok, one_line(V)};
                E -> E
            end;
        <<"enc">> ->
            encode(M, T, parse_term(Arg));
        <<"match">> ->
            [Hex, Text] = binary:split(Arg, <<" ">>),
            Want = parse_term(Text),
            case decode(M, T, Hex) of
                {ok, Want} -> {ok, <<>>};
                {ok, V} -> {error, {decoded, V}};
                E -> E
            end
    end.

decode(M, T, Hex) ->
    case M:decode(T, binary:decode_hex(Hex)) of
        {ok, V, <<>>} -> {ok, V};
        {ok, V, Rest} when bit_size(Rest) < 8 -> {ok, V};
        {ok, _, Rest} -> {error, {trailing, Rest}};
        {error, Why} -> {error, short(Why)}
    end.

%% short drops all but the innermost two frames of the codec's stack trace.
short({asn1, {Reason, [_ | _] = Stack}}) -> {asn1, {Reason, lists:sublist(Stack, 2)}};
short(Why) -> Why.

encode(M, T, V) ->
    case M:encode(T, V) of
        {ok, B} -> {ok, binary:encode_hex(pad(B))};
        {error, Why} -> {error, short(Why)}
    end.

pad(B) when is_binary(B) -> B;
pad(B) -> <<B/bitstring, 0:(8 - bit_size(B) rem 8)>>.

parse_term(Text) ->
    {ok, Tokens, _} = erl_scan:string(binary_to_list(Text) ++ "."),
    {ok, Term} = erl_parse:parse_term(Tokens),
    Term.

one_line(X) ->
    io_lib:print(X, 1, 1000000, -1).
