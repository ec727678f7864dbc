/**
 * The direct rooms the notification bot opened, one per Matrix user: remembered so that a person
 * gets one conversation with the bot rather than a new room per notification. Delivery backs it
 * with the notify_matrix_rooms table; tests and throwaway setups use the in-memory one.
 */

export interface MatrixDirectRooms {
  /** The room opened for `userId` earlier, if any. */
  get(userId: string): Promise<string | undefined>;
  /** Remembers (or replaces, when the old room became unusable) the room of `userId`. */
  set(userId: string, roomId: string): Promise<void>;
}

/** Forgotten on restart: the next notification opens a new direct room. */
export class MemoryMatrixRooms implements MatrixDirectRooms {
  private readonly rooms = new Map<string, string>();

  async get(userId: string): Promise<string | undefined> {
    return this.rooms.get(userId);
  }

  async set(userId: string, roomId: string): Promise<void> {
    this.rooms.set(userId, roomId);
  }
}
