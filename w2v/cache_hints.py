"""A cache hint for the JIT kernels: start loading a matrix row that a later step will read.

Skip-gram and CBOW read a handful of random output rows per centre word (the negatives); each
is a cache miss the processor waits for, since it cannot see that far ahead. The kernels draw
the next centre word's negatives one step early and call `prefetch_row` on them, so the loads
overlap the current word's arithmetic (see `training_kernels._draw_ahead`).

Does not: change any value; on a processor without prefetch instructions LLVM drops the hint.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_LINE = 64  # bytes in a cache line on every processor w2v runs on


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Hint that matrix[row] (a row of a C-contiguous 2-D array) will be read soon: one
    prefetch per cache line it spans."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and matrix.layout == "C"
            and isinstance(row, types.Integer)):
        return None
    signature = types.void(matrix, row)

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        intp = context.get_value_type(types.intp)
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        shape = cgutils.unpack_tuple(builder, array.shape)
        strides = cgutils.unpack_tuple(builder, array.strides)
        start = cgutils.get_item_pointer2(context, builder, data=array.data, shape=shape,
                                          strides=strides, layout="C",
                                          inds=[index, ir.Constant(intp, 0)])
        byte = ir.IntType(8).as_pointer()
        start = builder.bitcast(start, byte)
        i32 = ir.IntType(32)
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # a read (measured; the row is written soon after too), kept in every cache level
        flags = [ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
        length = builder.mul(shape[1], ir.Constant(intp, context.get_abi_sizeof(
            context.get_data_type(sig.args[0].dtype))))
        with cgutils.for_range_slice(builder, ir.Constant(intp, 0), length,
                                     ir.Constant(intp, _LINE)) as (offset, _):
            builder.call(hint, [builder.gep(start, [offset]), *flags])
        # a row that does not start on a line boundary ends on one more line
        last = builder.gep(start, [builder.sub(length, ir.Constant(intp, 1))])
        with builder.if_then(builder.icmp_signed(">", length, ir.Constant(intp, 0))):
            builder.call(hint, [last, *flags])
        return context.get_dummy_value()

    return signature, codegen
