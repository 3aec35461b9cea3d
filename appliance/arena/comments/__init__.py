"""Arena comments: comments on puzzles and replies on comments, their authors populated one
level down, votes (one per user and comment, counts recomputed), and who may delete what
(codincod-contract.md §3.5, §6 Comment and UserVote). The puzzles context reads a puzzle's
thread from here; this context knows puzzles only as rows it checks exist."""
