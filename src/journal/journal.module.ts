import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ReplicaAcks } from '../redis/replica-acks.js';
import { JournalController } from './journal.controller.js';
import { JournalService } from './journal.service.js';
import { JournalStore } from './journal.store.js';

@Module({
  imports: [AuthModule],
  controllers: [JournalController],
  providers: [JournalService, JournalStore, ReplicaAcks],
})
export class JournalModule {}
